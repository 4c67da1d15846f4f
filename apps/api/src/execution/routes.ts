import { getBatch } from '../batches/read';
import { BatchIdParamsSchema, BatchSchema } from '../batches/schemas';
import { batchBody } from '../batches/wire';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { cancelBatch } from './cancel';

// The public API's route into execution, beside the service it calls (batches/routes.ts has the
// rest of the batch routes; the reference lists this one last among them).

const notFound = (id: string) => new ApiError('not_found', `No batch ${id} for this account.`);

export const cancelRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/enterprise/video-batch/{id}/cancel',
    operationId: 'cancelBatch',
    tag: 'Batches',
    summary: 'Cancel a batch',
    description:
      'Tasks not yet started become `canceled` and are refunded; running tasks finish. The batch settles when every task is terminal (at once when none is running).',
    params: BatchIdParamsSchema,
    responses: { 200: { description: 'Canceled; the batch as it is now.', schema: BatchSchema } },
    errors: ['not_found', 'not_cancellable'],
    async handler({ principal, params, deps, request }) {
      const outcome = await cancelBatch(
        deps.db,
        deps.queue,
        principal.accountId,
        params.id,
        request.log,
      );
      if (outcome.kind === 'not_found') throw notFound(params.id);
      if (outcome.kind === 'not_cancellable') {
        throw new ApiError('not_cancellable', `Batch ${params.id} is already ${outcome.status}.`);
      }
      const batch = await getBatch(deps.db, principal.accountId, params.id);
      if (!batch) throw notFound(params.id);
      return { status: 200, body: batchBody(batch) };
    },
  }),
];
