import { z } from 'zod';
import { actorOf } from '../staff/identity';
import { staffError } from '../trpc/errors';
import { adminProcedure, financeProcedure, router, supportProcedure } from '../trpc/trpc';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { onboardAccount } from './onboard';
import { getAccount, listAccounts } from './read';
import { grantByStaff, type StaffCreditsError } from './staff-credits';

const Uuid = z.uuid();
/** A grant or correction: whole credits, within what one action may plausibly move. */
const Credits = z.int().min(1).max(100_000_000);
const Reason = z
  .string()
  .trim()
  .min(3, 'Give a reason (it is kept in the ledger and the audit log).')
  .max(500);

const AccountSchema = z.object({
  accountId: z.uuid(),
  name: z.string(),
  status: z.string(),
  balance: z.int(),
  reservedCredits: z.int(),
  availableCredits: z.int(),
  createdAt: z.date(),
});

const ApiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

const GrantResult = z.object({ ledgerId: z.string(), balanceAfter: z.int() });

const accountNotFound = () => staffError('NOT_FOUND', 'account_not_found', 'Account not found.');

function creditsRefused(error: StaffCreditsError) {
  return error.code === 'account_not_found'
    ? accountNotFound()
    : staffError(
        'PRECONDITION_FAILED',
        'balance_below_zero',
        'The adjustment would take the balance below zero.',
      );
}

export const accountsAdminRouter = router({
  list: supportProcedure.output(z.array(AccountSchema)).query(({ ctx }) => listAccounts(ctx.db)),

  get: supportProcedure
    .input(z.object({ accountId: Uuid }))
    .output(AccountSchema)
    .query(async ({ ctx, input }) => {
      const account = await getAccount(ctx.db, input.accountId);
      if (!account) throw accountNotFound();
      return account;
    }),

  topUp: financeProcedure
    .input(z.object({ accountId: Uuid, credits: Credits, reason: Reason }))
    .output(GrantResult)
    .mutation(async ({ ctx, input }) => {
      const granted = await grantByStaff(
        ctx.db,
        ctx.user,
        {
          accountId: input.accountId,
          creditsDelta: input.credits,
          reason: input.reason,
          refType: 'topup',
        },
        ctx.queue,
      );
      if (!granted.ok) throw creditsRefused(granted.error);
      return granted.value;
    }),

  /** A correction either way (signed, never 0), with a mandatory reason. */
  adjust: financeProcedure
    .input(
      z.object({
        accountId: Uuid,
        creditsDelta: z
          .int()
          .min(-100_000_000)
          .max(100_000_000)
          .refine((v) => v !== 0, 'Must not be 0.'),
        reason: Reason,
      }),
    )
    .output(GrantResult)
    .mutation(async ({ ctx, input }) => {
      const granted = await grantByStaff(
        ctx.db,
        ctx.user,
        { ...input, refType: 'adjustment' },
        ctx.queue,
      );
      if (!granted.ok) throw creditsRefused(granted.error);
      return granted.value;
    }),

  apiKeys: adminProcedure
    .input(z.object({ accountId: Uuid }))
    .output(z.array(ApiKeySchema))
    .query(({ ctx, input }) => listApiKeys(ctx.db, input.accountId)),

  /** A new key; its secret is in this answer only. */
  createApiKey: adminProcedure
    .input(z.object({ accountId: Uuid, name: z.string().trim().min(1).max(100) }))
    .output(z.object({ key: ApiKeySchema, secret: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const created = await createApiKey(ctx.db, {
        accountId: input.accountId,
        name: input.name,
        createdBy: actorOf(ctx.user),
        actorUserId: ctx.user.id,
      });
      if (!created.ok) throw accountNotFound();
      return { key: created.value.apiKey, secret: created.value.secret };
    }),

  revokeApiKey: adminProcedure
    .input(z.object({ accountId: Uuid, keyId: Uuid }))
    .output(z.object({ ok: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      const revoked = await revokeApiKey(ctx.db, {
        keyId: input.keyId,
        accountId: input.accountId,
        revokedBy: actorOf(ctx.user),
        actorUserId: ctx.user.id,
      });
      if (!revoked.ok && revoked.error.code === 'not_found') {
        throw staffError('NOT_FOUND', 'api_key_not_found', 'API key not found.');
      }
      return { ok: true as const };
    }),

  /**
   * Onboarding a pilot customer in one step: the account, its first credits (a `topup` with the
   * reason) and an API key whose secret is shown once.
   */
  onboard: adminProcedure
    .input(
      z.object({
        name: z.string().trim().min(1).max(200),
        credits: z.int().min(0).max(100_000_000),
        reason: Reason,
        keyName: z.string().trim().min(1).max(100).default('Production'),
      }),
    )
    .output(
      z.object({
        accountId: z.uuid(),
        balance: z.int(),
        secret: z.string(),
        keyPrefix: z.string(),
      }),
    )
    .mutation(({ ctx, input }) => onboardAccount(ctx.db, ctx.user, input)),
});
