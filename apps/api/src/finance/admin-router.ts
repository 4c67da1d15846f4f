import { BUDGET_ENFORCEMENTS, BUDGET_SCOPES, FINANCE_ALERT_KINDS } from '@batchreel/contracts';
import { z } from 'zod';
import { staffError } from '../trpc/errors';
import { CursorInput, LimitInput, pageOutput, unknownCursor } from '../trpc/pages';
import { financeProcedure, router } from '../trpc/trpc';
import { budgetStandings, firedThresholds } from './budgets';
import {
  createProject,
  deleteBudget,
  type FinanceChangeError,
  saveBudget,
  setAlertSettings,
  setKeyProject,
} from './manage';
import { statementMonths } from './monthly-statement';
import { periodOf } from './periods';
import { listAlerts } from './read';
import { MonthSchema } from './schemas';
import { dailyUsage } from './usage';

const Uuid = z.uuid();

/** A cap: whole credits, more than 0. */
const Cap = z
  .int('Must be a whole number of credits.')
  .min(1, 'Must be at least 1 credit.')
  .max(1_000_000_000, 'Must be at most 1,000,000,000.');
/** Thresholds: whole percents of the cap, 1–100. */
const Thresholds = z
  .array(z.int('Must be a whole percent.').min(1, 'Must be 1–100 %.').max(100, 'Must be 1–100 %.'))
  .max(10, 'At most 10 thresholds.');

const BudgetViewSchema = z.object({
  id: z.uuid(),
  scope: z.enum(BUDGET_SCOPES),
  projectId: z.uuid().nullable(),
  apiKeyId: z.uuid().nullable(),
  model: z.string().nullable(),
  capCredits: z.int(),
  enforcement: z.enum(BUDGET_ENFORCEMENTS),
  thresholdPercents: z.array(z.int()),
  usedCredits: z.int(),
  remainingCredits: z.int(),
  firedThresholds: z.array(z.int()),
  /** Month-to-date committed credits, cumulative per day (the chart against the cap). */
  daily: z.array(z.object({ day: z.string(), usedCredits: z.int() })),
  createdBy: z.string(),
  updatedAt: z.date(),
});

const AlertViewSchema = z.object({
  id: z.string(),
  accountId: z.uuid(),
  kind: z.enum(FINANCE_ALERT_KINDS),
  eventId: z.string(),
  deliveryId: z.uuid().nullable(),
  budgetId: z.uuid().nullable(),
  period: z.string().nullable(),
  thresholdPercent: z.int().nullable(),
  capCredits: z.int().nullable(),
  usedCredits: z.int().nullable(),
  balance: z.int().nullable(),
  lowBalanceCredits: z.int().nullable(),
  ledgerRowId: z.string().nullable(),
  batchId: z.uuid().nullable(),
  createdAt: z.date(),
});

/** Finance's refusals, each with a reason the admin translates. */
function refused(error: FinanceChangeError) {
  switch (error.code) {
    case 'account_not_found':
      return staffError('NOT_FOUND', 'account_not_found', 'Account not found.');
    case 'project_not_found':
      return staffError('NOT_FOUND', 'project_not_found', 'No such project in this account.');
    case 'api_key_not_found':
      return staffError('NOT_FOUND', 'api_key_not_found', 'No such API key in this account.');
    case 'model_not_found':
      return staffError('NOT_FOUND', 'model_not_found', 'No such model.');
    case 'budget_not_found':
      return staffError('NOT_FOUND', 'budget_not_found', 'No such budget in this account.');
    case 'project_exists':
      return staffError('CONFLICT', 'project_exists', 'A project of this name exists.');
    case 'budget_exists':
      return staffError(
        'CONFLICT',
        'budget_exists',
        'This target already has a budget (for this model); change that one.',
      );
    case 'invalid_time_zone':
      return staffError('BAD_REQUEST', 'invalid_time_zone', 'Unknown time zone.');
    case 'invalid_webhook_url':
      return staffError('BAD_REQUEST', 'invalid_webhook_url', `Webhook URL: ${error.reason}`, {
        reason: error.reason,
      });
  }
}

const Ok = z.object({ ok: z.literal(true) });

export const financeAdminRouter = router({
  /** An account's controls: time zone, alert settings, projects and keys, budgets this month. */
  overview: financeProcedure
    .input(z.object({ accountId: Uuid, month: MonthSchema.optional() }))
    .output(
      z.object({
        accountId: z.uuid(),
        name: z.string(),
        timeZone: z.string(),
        balance: z.int(),
        period: z.string(),
        settings: z.object({
          webhookUrl: z.string().nullable(),
          lowBalanceCredits: z.int().nullable(),
          lowBalanceArmed: z.boolean(),
        }),
        projects: z.array(z.object({ id: z.uuid(), name: z.string() })),
        apiKeys: z.array(
          z.object({
            id: z.uuid(),
            name: z.string(),
            prefix: z.string(),
            projectId: z.uuid().nullable(),
            revokedAt: z.date().nullable(),
          }),
        ),
        budgets: z.array(BudgetViewSchema),
      }),
    )
    .query(async ({ ctx, input }) => {
      const account = await ctx.db.account.findUnique({
        where: { id: input.accountId },
        include: {
          alertSettings: true,
          projects: { orderBy: { name: 'asc' } },
          apiKeys: { orderBy: { createdAt: 'asc' } },
        },
      });
      if (!account) throw refused({ code: 'account_not_found' });
      const period = await periodOf(ctx.db, account.timeZone, input.month);
      const standings = await budgetStandings(ctx.db, account.id, account.timeZone, period.month);
      const fired = await firedThresholds(
        ctx.db,
        standings.map((s) => s.budget.id),
        period.month,
      );
      const budgets = [];
      for (const s of standings) {
        budgets.push({
          id: s.budget.id,
          scope: s.budget.scope,
          projectId: s.budget.projectId,
          apiKeyId: s.budget.apiKeyId,
          model: s.budget.model,
          capCredits: s.budget.capCredits,
          enforcement: s.budget.enforcement,
          thresholdPercents: s.budget.thresholdPercents,
          usedCredits: s.usedCredits,
          remainingCredits: Math.max(0, s.budget.capCredits - s.usedCredits),
          firedThresholds: fired.get(s.budget.id) ?? [],
          daily: await dailyUsage(ctx.db, s.budget, period),
          createdBy: s.budget.createdBy,
          updatedAt: s.budget.updatedAt,
        });
      }
      return {
        accountId: account.id,
        name: account.name,
        timeZone: account.timeZone,
        balance: account.balance,
        period: period.month,
        settings: {
          webhookUrl: account.alertSettings?.webhookUrl ?? null,
          lowBalanceCredits: account.alertSettings?.lowBalanceCredits ?? null,
          lowBalanceArmed: account.alertSettings?.lowBalanceArmed ?? true,
        },
        projects: account.projects.map((p) => ({ id: p.id, name: p.name })),
        apiKeys: account.apiKeys.map((k) => ({
          id: k.id,
          name: k.name,
          prefix: k.prefix,
          projectId: k.projectId,
          revokedAt: k.revokedAt,
        })),
        budgets,
      };
    }),

  /** The alerts history, newest first (all accounts, or one). */
  alerts: financeProcedure
    .input(
      z.object({
        accountId: Uuid.optional(),
        kind: z.enum(FINANCE_ALERT_KINDS).optional(),
        limit: LimitInput(200, 50),
        cursor: CursorInput,
      }),
    )
    .output(pageOutput(AlertViewSchema))
    .query(async ({ ctx, input }) => {
      const page = await listAlerts(
        ctx.db,
        {
          ...(input.accountId ? { accountId: input.accountId } : {}),
          ...(input.kind ? { kind: input.kind } : {}),
        },
        input,
      );
      if (page === 'bad_cursor') throw unknownCursor();
      return {
        nextCursor: page.nextCursor,
        items: page.items.map((a) => ({
          ...a,
          id: a.id.toString(),
          ledgerRowId: a.ledgerRowId?.toString() ?? null,
        })),
      };
    }),

  /** The months an account has statements for (downloads: /admin/export/monthly-statements/…). */
  statements: financeProcedure
    .input(z.object({ accountId: Uuid }))
    .output(
      z.array(z.object({ month: z.string(), start: z.date(), end: z.date(), final: z.boolean() })),
    )
    .query(async ({ ctx, input }) => {
      const found = await statementMonths(ctx.db, input.accountId);
      if (!found) throw refused({ code: 'account_not_found' });
      return found.months;
    }),

  createProject: financeProcedure
    .input(z.object({ accountId: Uuid, name: z.string().trim().min(1).max(100) }))
    .output(z.object({ projectId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      const created = await createProject(ctx.db, ctx.user, input);
      if (!created.ok) throw refused(created.error);
      return created.value;
    }),

  setKeyProject: financeProcedure
    .input(z.object({ accountId: Uuid, apiKeyId: Uuid, projectId: Uuid.nullable() }))
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      const done = await setKeyProject(ctx.db, ctx.user, input);
      if (!done.ok) throw refused(done.error);
      return done.value;
    }),

  /** Creates a budget, or with `budgetId` changes its cap, enforcement and thresholds. */
  saveBudget: financeProcedure
    .input(
      z.object({
        accountId: Uuid,
        budgetId: Uuid.nullable().default(null),
        scope: z.enum(BUDGET_SCOPES),
        projectId: Uuid.nullable().default(null),
        apiKeyId: Uuid.nullable().default(null),
        model: z.string().trim().min(1).max(100).nullable().default(null),
        capCredits: Cap,
        enforcement: z.enum(BUDGET_ENFORCEMENTS).default('hard'),
        thresholdPercents: Thresholds.default([80, 90, 100]),
      }),
    )
    .output(z.object({ budgetId: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      const saved = await saveBudget(ctx.db, ctx.queue, ctx.user, input);
      if (!saved.ok) throw refused(saved.error);
      return { budgetId: saved.value.budget.id };
    }),

  deleteBudget: financeProcedure
    .input(z.object({ accountId: Uuid, budgetId: Uuid }))
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      const done = await deleteBudget(ctx.db, ctx.user, input);
      if (!done.ok) throw refused(done.error);
      return done.value;
    }),

  /** Time zone, alert webhook URL and low-balance level of an account. */
  setAlertSettings: financeProcedure
    .input(
      z.object({
        accountId: Uuid,
        timeZone: z.string().trim().min(1).max(64),
        webhookUrl: z.string().trim().max(2048).nullable(),
        lowBalanceCredits: Cap.nullable(),
      }),
    )
    .output(Ok)
    .mutation(async ({ ctx, input }) => {
      const done = await setAlertSettings(
        ctx.db,
        ctx.queue,
        ctx.user,
        { ...input, webhookUrl: input.webhookUrl || null },
        ctx.config,
      );
      if (!done.ok) throw refused(done.error);
      return done.value;
    }),
});
