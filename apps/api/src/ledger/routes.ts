import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { getBalance, listLedger } from './read';
import { BalanceSchema, LedgerPageSchema, LedgerQuerySchema } from './schemas';

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
      return { status: 200, body: await getBalance(deps.db, principal) };
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
      if (page === 'bad_cursor') {
        throw new ApiError('invalid_request', 'The cursor is not one this API issued.', [
          { path: 'query.cursor', message: 'Unknown cursor; pass next_cursor back unchanged.' },
        ]);
      }
      return { status: 200, body: { ok: true, ...page } };
    },
  }),
];
