import { randomUUID } from 'node:crypto';
import { availableCredits, planAdjustment, planTopUp } from '@batchreel/billing';
import { type Database, isGuardViolation } from '@batchreel/db';
import { z } from 'zod';
import { audit } from '../admin/audit';
import { HOLDS_RESERVATION, RESERVED_CREDITS, readAvailability } from '../ledger/availability';
import { type PostedLedgerEntry, postLedgerEntries } from '../ledger/post';
import { staffError } from '../trpc/errors';
import {
  actorOf,
  adminProcedure,
  financeProcedure,
  router,
  type StaffUser,
  supportProcedure,
} from '../trpc/trpc';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';

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

async function accountView(db: Parameters<typeof readAvailability>[0], accountId: string) {
  const account = await db.account.findUnique({ where: { id: accountId } });
  if (!account) throw staffError('NOT_FOUND', 'account_not_found', 'Account not found.');
  const availability = await readAvailability(db, accountId);
  return {
    accountId: account.id,
    name: account.name,
    status: account.status,
    balance: availability.balance,
    reservedCredits: availability.reservedCredits,
    availableCredits: availability.availableCredits,
    createdAt: account.createdAt,
  };
}

/**
 * A ledger entry written by staff (top-up or adjustment), planned by `packages/billing` from the
 * balance it applies to, with its audit row, in one transaction. The database refuses an entry
 * that would take the balance below zero, should the plan ever disagree with it.
 */
async function grant(
  ctx: { db: Database; user: StaffUser },
  input: {
    accountId: string;
    creditsDelta: number;
    reason: string;
    refType: 'topup' | 'adjustment';
  },
) {
  try {
    return await ctx.db.$transaction(async (tx) => {
      // Locked before reading, so `before` is the balance this entry applies to even when other
      // entries for the account are written concurrently (the ledger trigger would only take the
      // lock at the insert, after a plain read had already seen an older balance).
      const [before] = await tx.$queryRaw<{ balance: number }[]>`
        SELECT balance FROM accounts WHERE id = ${input.accountId}::uuid FOR UPDATE`;
      if (!before) throw staffError('NOT_FOUND', 'account_not_found', 'Account not found.');
      const plan =
        input.refType === 'topup'
          ? planTopUp(before, { credits: input.creditsDelta, reason: input.reason })
          : planAdjustment(before, { creditsDelta: input.creditsDelta, reason: input.reason });
      if (!plan.ok) {
        if (plan.error.code === 'insufficient_balance') throw belowZero();
        // The input schemas admit no blank reason and no zero or wrongly signed amount.
        throw new Error(`billing refused a validated ${input.refType}: ${plan.error.code}`);
      }
      const [entry] = (await postLedgerEntries(tx, [
        {
          entry: plan.value.ledgerEntry,
          accountId: input.accountId,
          refId: randomUUID(),
          memo: plan.value.memo,
          actor: actorOf(ctx.user),
        },
      ])) as [PostedLedgerEntry];
      await audit(tx, ctx.user, {
        action: input.refType === 'topup' ? 'account.topped_up' : 'account.adjusted',
        targetType: 'account',
        targetId: input.accountId,
        before: { balance: before.balance },
        after: {
          balance: entry.balanceAfter,
          credits_delta: input.creditsDelta,
          ledger_id: entry.id.toString(),
          reason: input.reason,
        },
      });
      return { ledgerId: entry.id.toString(), balanceAfter: entry.balanceAfter };
    });
  } catch (error) {
    if (isGuardViolation(error, 'accounts_balance_non_negative')) {
      throw belowZero();
    }
    throw error;
  }
}

const belowZero = () =>
  staffError(
    'PRECONDITION_FAILED',
    'balance_below_zero',
    'The adjustment would take the balance below zero.',
  );

const GrantResult = z.object({ ledgerId: z.string(), balanceAfter: z.int() });

export const accountsAdminRouter = router({
  list: supportProcedure.output(z.array(AccountSchema)).query(async ({ ctx }) => {
    const rows = await ctx.db.$queryRaw<
      {
        id: string;
        name: string;
        status: string;
        balance: number;
        reserved: number;
        created_at: Date;
      }[]
    >`
      SELECT a.id, a.name, a.status::text AS status, a.balance, a.created_at,
             (SELECT ${RESERVED_CREDITS} FROM batch_jobs b
               WHERE b.account_id = a.id AND ${HOLDS_RESERVATION})::int AS reserved
        FROM accounts a ORDER BY a.name, a.id LIMIT 1000`;
    return rows.map((r) => ({
      accountId: r.id,
      name: r.name,
      status: r.status,
      balance: r.balance,
      reservedCredits: r.reserved,
      availableCredits: availableCredits(r.balance, r.reserved),
      createdAt: r.created_at,
    }));
  }),

  get: supportProcedure
    .input(z.object({ accountId: Uuid }))
    .output(AccountSchema)
    .query(({ ctx, input }) => accountView(ctx.db, input.accountId)),

  topUp: financeProcedure
    .input(z.object({ accountId: Uuid, credits: Credits, reason: Reason }))
    .output(GrantResult)
    .mutation(({ ctx, input }) =>
      grant(ctx, {
        accountId: input.accountId,
        creditsDelta: input.credits,
        reason: input.reason,
        refType: 'topup',
      }),
    ),

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
    .mutation(({ ctx, input }) => grant(ctx, { ...input, refType: 'adjustment' })),

  apiKeys: adminProcedure
    .input(z.object({ accountId: Uuid }))
    .output(z.array(ApiKeySchema))
    .query(async ({ ctx, input }) =>
      (await listApiKeys(ctx.db, input.accountId)).map(({ accountId: _a, ...k }) => k),
    ),

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
      if (!created.ok) throw staffError('NOT_FOUND', 'account_not_found', 'Account not found.');
      const { accountId: _a, ...key } = created.value.apiKey;
      return { key, secret: created.value.secret };
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
    .mutation(async ({ ctx, input }) => {
      const account = await ctx.db.$transaction(async (tx) => {
        const created = await tx.account.create({ data: { name: input.name } });
        await audit(tx, ctx.user, {
          action: 'account.created',
          targetType: 'account',
          targetId: created.id,
          after: { name: created.name },
        });
        return created;
      });
      const balance =
        input.credits > 0
          ? (
              await grant(ctx, {
                accountId: account.id,
                creditsDelta: input.credits,
                reason: input.reason,
                refType: 'topup',
              })
            ).balanceAfter
          : 0;
      const key = await createApiKey(ctx.db, {
        accountId: account.id,
        name: input.keyName,
        createdBy: actorOf(ctx.user),
        actorUserId: ctx.user.id,
      });
      if (!key.ok) throw new Error('the account just created is gone');
      return {
        accountId: account.id,
        balance,
        secret: key.value.secret,
        keyPrefix: key.value.apiKey.prefix,
      };
    }),
});
