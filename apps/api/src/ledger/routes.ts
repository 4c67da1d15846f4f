import type { z } from 'zod';
import { restPage, unknownCursor } from '../http/page';
import { defineRoute } from '../http/route';
import { isoTime } from '../platform/wire';
import { type Balance, getBalance, listLedger, type StatementEntry } from './read';
import {
  BalanceSchema,
  type LedgerEntrySchema,
  LedgerPageSchema,
  LedgerQuerySchema,
} from './schemas';

const balanceBody = (balance: Balance): z.input<typeof BalanceSchema> => ({
  ok: true,
  account_id: balance.accountId,
  account_name: balance.accountName,
  balance: balance.balance,
  reserved_credits: balance.reservedCredits,
  available_credits: balance.availableCredits,
});

const ledgerEntryBody = (entry: StatementEntry): z.input<typeof LedgerEntrySchema> => ({
  id: entry.id.toString(),
  ref_type: entry.refType,
  ref_id: entry.refId,
  task_id: entry.taskId,
  credits_delta: entry.creditsDelta,
  balance_after: entry.balanceAfter,
  memo: entry.memo,
  created_at: isoTime(entry.createdAt),
});

export const accountRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/enterprise/balance',
    operationId: 'getBalance',
    tag: 'Account',
    summary: 'Balance, reserved and available credits',
    description:
      'Available credits are what a new batch may spend: the balance minus what admitted, not-yet-started batches hold.',
    responses: { 200: { description: 'The balance.', schema: BalanceSchema } },
    errors: [],
    async handler({ principal, deps }) {
      return { status: 200, body: balanceBody(await getBalance(deps.db, principal)) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/ledger',
    operationId: 'listLedger',
    tag: 'Account',
    summary: "The account's credit ledger (statement)",
    description:
      'Every credit movement, newest first: top-ups, batch pre-deductions, refunds and adjustments.',
    query: LedgerQuerySchema,
    responses: { 200: { description: 'A page of ledger entries.', schema: LedgerPageSchema } },
    errors: [],
    async handler({ principal, query, deps }) {
      const page = await listLedger(deps.db, principal.accountId, query);
      if (page === 'bad_cursor') throw unknownCursor();
      return { status: 200, body: restPage(page, ledgerEntryBody) };
    },
  }),
];
