import { DELIVERY_STATUSES } from '@batchreel/contracts';
import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { IdPrefixInput } from '../trpc/id-prefix';
import { actorOf, router, supportProcedure } from '../trpc/trpc';
import { redeliver } from './delivery';
import { deliveryView } from './read';
import { WebhookDeliverySchema } from './schemas';

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
        limit: z.int().min(1).max(100).default(25),
        cursor: z.uuid().nullish(),
      }),
    )
    .output(z.object({ items: z.array(AdminDeliverySchema), nextCursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.webhookDelivery.findMany({
        where: {
          ...(input.accountId ? { accountId: input.accountId } : {}),
          ...(input.batchId
            ? { batchId: { gte: input.batchId.lowest, lte: input.batchId.highest } }
            : {}),
          ...(input.status ? { status: input.status } : {}),
        },
        include: {
          attempts: { orderBy: { attemptedAt: 'asc' } },
          account: { select: { name: true } },
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: input.limit + 1,
        ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
      });
      const items = rows.slice(0, input.limit);
      return {
        items: items.map((row) => ({
          ...deliveryView(row),
          account_id: row.accountId,
          account_name: row.account.name,
        })),
        nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null,
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
