import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { adminProcedure, router, supportProcedure } from '../trpc/trpc';
import {
  accountStorage,
  RETENTION_LIMITS,
  setRetention,
  storageByAccount,
} from './account-storage';

const AccountStorageSchema = z.object({
  accountId: z.uuid(),
  retentionSeconds: z.int(),
  storedVideos: z.int(),
  storedBytes: z.number(),
  expiredVideos: z.int(),
});

const accountNotFound = () => staffError('NOT_FOUND', 'account_not_found', 'Account not found.');

/** The admin's view of the video store: usage and retention per account. */
export const outputsAdminRouter = router({
  /** Every account's kept videos (count, bytes) and retention, for the accounts list. */
  byAccount: supportProcedure
    .output(z.array(AccountStorageSchema.omit({ expiredVideos: true })))
    .query(({ ctx }) => storageByAccount(ctx.db)),

  accountStorage: supportProcedure
    .input(z.object({ accountId: z.uuid() }))
    .output(AccountStorageSchema)
    .query(async ({ ctx, input }) => {
      const usage = await accountStorage(ctx.db, input.accountId);
      if (!usage) throw accountNotFound();
      return usage;
    }),

  /** How long the account's videos are kept; audited. */
  setRetention: adminProcedure
    .input(
      z.object({
        accountId: z.uuid(),
        retentionSeconds: z.int().min(RETENTION_LIMITS.min).max(RETENTION_LIMITS.max),
      }),
    )
    .output(z.object({ retentionSeconds: z.int(), videosRescheduled: z.int() }))
    .mutation(async ({ ctx, input }) => {
      const result = await setRetention(ctx.db, ctx.user, input);
      if (!result) throw accountNotFound();
      return result;
    }),
});
