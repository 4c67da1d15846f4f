import { createPublicKey } from 'node:crypto';
import type { z } from 'zod';
import { ApiError } from '../http/errors';
import { restPage, unknownCursor } from '../http/page';
import { defineRoute } from '../http/route';
import { keyId, signBytes } from '../ledger/statement';
import { isoTime } from '../platform/wire';
import { budgetStandings, firedThresholds } from './budgets';
import { buildMonthlyStatement, signMonthlyStatement, statementMonths } from './monthly-statement';
import { accountTimeZone, periodOf } from './periods';
import { type AlertView, listAlerts, listProjects } from './read';
import {
  AlertListQuerySchema,
  AlertPageSchema,
  type AlertSchema,
  BudgetListQuerySchema,
  BudgetListSchema,
  ProjectListSchema,
  SignedMonthlyStatementSchema,
  StatementKeySchema,
  StatementListSchema,
  StatementParamsSchema,
  StatementQuerySchema,
} from './schemas';
import { monthlyStatementCsv } from './statement-csv';
import { monthlyStatementPdf } from './statement-pdf';
import { budgetBody } from './wire';

export const alertBody = (alert: AlertView): z.input<typeof AlertSchema> => ({
  alert_id: alert.id.toString(),
  kind: alert.kind,
  event_id: alert.eventId,
  delivery_id: alert.deliveryId,
  budget_id: alert.budgetId,
  period: alert.period,
  threshold_percent: alert.thresholdPercent,
  cap_credits: alert.capCredits,
  used_credits: alert.usedCredits,
  balance: alert.balance,
  low_balance_credits: alert.lowBalanceCredits,
  ledger_row_id: alert.ledgerRowId?.toString() ?? null,
  batch_id: alert.batchId,
  created_at: isoTime(alert.createdAt),
});

/** The account's finance controls, read-only (changing them is finance's job in the admin). */
export const financeRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/enterprise/projects',
    operationId: 'listProjects',
    tag: 'Finance',
    summary: "The account's projects and their API keys",
    description:
      'A key belongs to at most one project; the batches it submits count against that project’s budgets (and its own, and the account’s).',
    responses: { 200: { description: 'Every project.', schema: ProjectListSchema } },
    errors: [],
    async handler({ principal, deps }) {
      const projects = await listProjects(deps.db, principal.accountId);
      return {
        status: 200,
        body: {
          ok: true as const,
          data: projects.map((p) => ({
            project_id: p.id,
            name: p.name,
            created_at: isoTime(p.createdAt),
            api_keys: p.apiKeys.map((k) => ({
              api_key_id: k.id,
              name: k.name,
              prefix: k.prefix,
              revoked_at: k.revokedAt ? isoTime(k.revokedAt) : null,
            })),
          })),
        },
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/budgets',
    operationId: 'listBudgets',
    tag: 'Finance',
    summary: 'Budget caps and what this month has used of them',
    description:
      'Every cap of the account (on the account, its projects, its keys; optionally per model), with the month’s use: reserved plus charged minus refunded, for batches admitted in the month (the account’s time zone). A batch that would cross a `hard` cap is refused with `402 budget_exceeded`.',
    query: BudgetListQuerySchema,
    responses: { 200: { description: 'The budgets.', schema: BudgetListSchema } },
    errors: [],
    async handler({ principal, query, deps }) {
      const timeZone = (await accountTimeZone(deps.db, principal.accountId)) ?? 'UTC';
      const period = await periodOf(deps.db, timeZone, query.month);
      const standings = await budgetStandings(deps.db, principal.accountId, timeZone, period.month);
      const fired = await firedThresholds(
        deps.db,
        standings.map((s) => s.budget.id),
        period.month,
      );
      return {
        status: 200,
        body: {
          ok: true as const,
          period: period.month,
          time_zone: timeZone,
          data: standings.map((s) => budgetBody(s, fired.get(s.budget.id) ?? [])),
        },
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/alerts',
    operationId: 'listAlerts',
    tag: 'Finance',
    summary: 'Alerts that fired',
    description:
      'Budget thresholds crossed and low-balance warnings, newest first, each with the webhook event that carried it to the alert webhook URL finance set.',
    query: AlertListQuerySchema,
    responses: { 200: { description: 'A page of alerts.', schema: AlertPageSchema } },
    errors: [],
    async handler({ principal, query, deps }) {
      const page = await listAlerts(
        deps.db,
        { accountId: principal.accountId, ...(query.kind ? { kind: query.kind } : {}) },
        query,
      );
      if (page === 'bad_cursor') throw unknownCursor();
      return { status: 200, body: restPage(page, alertBody) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/statements',
    operationId: 'listStatements',
    tag: 'Finance',
    summary: 'Monthly statements available',
    description:
      'Every month from the account’s first ledger row to the current one (provisional until it has ended).',
    responses: { 200: { description: 'The months.', schema: StatementListSchema } },
    errors: [],
    async handler({ principal, deps }) {
      const found = await statementMonths(deps.db, principal.accountId);
      return {
        status: 200,
        body: {
          ok: true as const,
          time_zone: found?.timeZone ?? 'UTC',
          data: (found?.months ?? []).map((m) => ({
            month: m.month,
            period_start: isoTime(m.start),
            period_end: isoTime(m.end),
            final: m.final,
          })),
        },
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/statements/public-key',
    operationId: 'getStatementKey',
    tag: 'Finance',
    summary: 'The public key that checks statements',
    description:
      'Ed25519, SPKI PEM. With it a statement is checked offline: `pnpm ledger:verify --statement statement.json --public-key key.pem`, or OpenSSL for the CSV and PDF files.',
    responses: { 200: { description: 'The key.', schema: StatementKeySchema } },
    errors: [],
    async handler({ deps }) {
      const publicKey = createPublicKey(deps.statementKey);
      return {
        status: 200,
        body: {
          ok: true as const,
          algorithm: 'ed25519' as const,
          key_id: keyId(publicKey),
          public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        },
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/statements/{month}',
    operationId: 'getStatement',
    tag: 'Finance',
    summary: 'The statement of a month (JSON, CSV or PDF)',
    description:
      'Opening balance, top-ups, upfront charges, refunds, adjustments and closing balance of a calendar month (the account’s time zone), with its batches and the ledger chain head at month end; the closing balance equals the next month’s opening and the ledger balance at that instant. Signed with Ed25519: embedded in the JSON; for CSV and PDF in `X-Batchreel-Signature`. A month that has not begun is `404`.',
    params: StatementParamsSchema,
    query: StatementQuerySchema,
    responses: { 200: { description: 'The statement.', schema: SignedMonthlyStatementSchema } },
    files: {
      'text/csv': 'The statement as CSV (summary, entry, batch and chain_head lines).',
      'application/pdf': 'The statement as a PDF (English or Chinese).',
    },
    errors: ['not_found'],
    async handler({ principal, params, query, deps }) {
      const statement = await buildMonthlyStatement(deps.db, principal.accountId, params.month);
      if (typeof statement === 'string') {
        throw new ApiError(
          'not_found',
          `No statement for ${params.month} yet: the month has not begun.`,
        );
      }
      const signed = signMonthlyStatement(statement, deps.statementKey);
      const name = `batchreel-statement-${statement.month}`;
      const signedFile = (bytes: Buffer, contentType: string, extension: string) => ({
        status: 200 as const,
        file: { contentType, bytes, fileName: `${name}.${extension}` },
        headers: {
          'x-batchreel-signature': `ed25519=${signBytes(bytes, deps.statementKey)}`,
          'x-batchreel-key-id': signed.signature.key_id,
        },
      });
      if (query.format === 'csv') {
        return signedFile(
          Buffer.from(monthlyStatementCsv(statement), 'utf8'),
          'text/csv; charset=utf-8',
          'csv',
        );
      }
      if (query.format === 'pdf') {
        return signedFile(await monthlyStatementPdf(signed, query.lang), 'application/pdf', 'pdf');
      }
      return { status: 200, body: { ok: true as const, ...signed } };
    },
  }),
];
