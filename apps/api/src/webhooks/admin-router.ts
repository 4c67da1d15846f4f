import { DELIVERY_STATUSES } from '@batchreel/contracts';
import { z } from 'zod';
import { actorOf } from '../staff/identity';
import { staffError } from '../trpc/errors';
import { IdPrefixInput } from '../trpc/id-prefix';
import { CursorInput, LimitInput, pageOutput, unknownCursor } from '../trpc/pages';
import { router, supportProcedure } from '../trpc/trpc';
import { redeliver } from './delivery';
import { listDeliveries } from './read';
import { WebhookDeliverySchema } from './schemas';
import { deliveryBody } from './wire';

/** A delivery as the admin's log reads it: the public API's shape, with its account. */
const AdminDeliverySchema = WebhookDeliverySchema.extend({
  account_id: z.uuid(),
  account_name: z.string(),
});

export const webhooksAdminRouter = router({
  /** Deliveries across accounts (support answers "we never got the webhook"), newest first. */
  list: supportProcedure
    .input(
      z.object({
        accountId: z.uuid().optional(),
        /** A batch id or its start: the deliveries of every batch it matches. */
        batchId: IdPrefixInput.optional(),
        status: z.enum(DELIVERY_STATUSES).optional(),
        limit: LimitInput(100, 25),
        cursor: CursorInput,
      }),
    )
    .output(pageOutput(AdminDeliverySchema))
    .query(async ({ ctx, input }) => {
      const page = await listDeliveries(ctx.db, {
        ...input,
        accountId: input.accountId,
        batches: input.batchId,
      });
      if (page === 'bad_cursor') throw unknownCursor();
      return {
        items: page.items.map((delivery) => ({
          ...deliveryBody(delivery),
          account_id: delivery.accountId,
          account_name: delivery.accountName,
        })),
        nextCursor: page.nextCursor,
      };
    }),

  /** Sends a delivered or failed event again (same event id); audited. */
  redeliver: supportProcedure
    .input(z.object({ deliveryId: z.uuid() }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const outcome = await redeliver(ctx.db, ctx.queue, input.deliveryId, {
        actor: actorOf(ctx.user),
        actorUserId: ctx.user.id,
      });
      if (outcome === 'not_found')
        throw staffError('NOT_FOUND', 'delivery_not_found', 'Delivery not found.');
      if (outcome === 'in_progress') {
        throw staffError(
          'CONFLICT',
          'delivery_in_progress',
          'Still pending: its retries are running.',
        );
      }
      return { ok: true as const };
    }),
});
