import {
  BUDGET_ENFORCEMENTS,
  BUDGET_SCOPES,
  FINANCE_ALERT_KINDS,
  LEDGER_REF_TYPES,
  SETTLEMENT_STATUSES,
} from '@batchreel/contracts';
import { z } from 'zod';
import { CursorSchema, PageLimitSchema } from '../platform/pages';
import { TimestampSchema } from '../platform/wire';
import { MONTH_PATTERN } from './periods';

// Wire shapes of finance controls (docs/finance-controls.md): the public API's reads of projects,
// budgets, alerts and monthly statements, and the payloads of the two alert events.

export const MonthSchema = z
  .string()
  .regex(MONTH_PATTERN, 'Must be a month, YYYY-MM (e.g. 2026-11).')
  .meta({
    description: 'A calendar month, `YYYY-MM`, in the account’s time zone.',
    example: '2026-11',
  });

/** What a budget is: its target, cap and thresholds (shared by reads, refusals and events). */
const budgetFields = {
  budget_id: z.uuid(),
  scope: z
    .enum(BUDGET_SCOPES)
    .meta({ description: 'What it caps: the account, a project or an API key.' }),
  project_id: z.uuid().nullable().meta({ description: 'The capped project (`scope: project`).' }),
  api_key_id: z.uuid().nullable().meta({ description: 'The capped API key (`scope: api_key`).' }),
  model: z
    .string()
    .nullable()
    .meta({ description: 'Only this model’s videos count; null: every model.' }),
  cap_credits: z.int().meta({ description: 'Credits per calendar month.' }),
  enforcement: z.enum(BUDGET_ENFORCEMENTS).meta({
    description:
      '`hard`: a batch that would cross the cap is refused (402 `budget_exceeded`); `soft`: admitted, and alerted.',
  }),
  threshold_percents: z.array(z.int()).meta({
    description:
      'Percents of the cap at which `budget.threshold_crossed` fires, once per crossing.',
  }),
};

export const BudgetSchema = z
  .object({
    ...budgetFields,
    period: MonthSchema,
    used_credits: z.int().meta({
      description:
        'Committed this month by the batches it counts (admitted this month): reserved while waiting, then charged minus refunded. Refunds give budget back.',
    }),
    remaining_credits: z.int().meta({ description: 'cap − used, at least 0.' }),
    percent_used: z.int().meta({ description: 'used ÷ cap, in whole percent (rounded down).' }),
    fired_thresholds: z.array(z.int()).meta({
      description:
        'Thresholds that fired this month and have not been re-armed (the use has not fallen below them since).',
    }),
    created_at: TimestampSchema,
    updated_at: TimestampSchema,
  })
  .meta({ id: 'Budget' });

export const BudgetListSchema = z
  .object({
    ok: z.literal(true),
    period: MonthSchema,
    time_zone: z
      .string()
      .meta({ description: 'The account’s time zone, whose calendar months budgets follow.' }),
    data: z.array(BudgetSchema),
  })
  .meta({ id: 'BudgetList' });

export const BudgetListQuerySchema = z.strictObject({
  month: MonthSchema.optional().meta({
    description: 'The month to report (default: the current one).',
  }),
});

/** A budget a quoted batch counts against, and whether the batch would cross it. */
export const QuoteBudgetSchema = z
  .object({
    ...budgetFields,
    period: MonthSchema,
    used_credits: z.int(),
    needed_credits: z.int().meta({ description: 'What this batch adds to the budget.' }),
    remaining_credits: z.int(),
    would_exceed: z.boolean().meta({
      description:
        'used + needed > cap. A hard cap refuses the batch; a soft one admits it and alerts.',
    }),
  })
  .meta({ id: 'QuoteBudget' });

export const ProjectSchema = z
  .object({
    project_id: z.uuid(),
    name: z.string(),
    api_keys: z
      .array(
        z.object({
          api_key_id: z.uuid(),
          name: z.string(),
          prefix: z.string(),
          revoked_at: TimestampSchema.nullable(),
        }),
      )
      .meta({ description: 'The keys whose batches count against the project’s budgets.' }),
    created_at: TimestampSchema,
  })
  .meta({ id: 'Project' });

export const ProjectListSchema = z
  .object({ ok: z.literal(true), data: z.array(ProjectSchema) })
  .meta({ id: 'ProjectList' });

export const AlertSchema = z
  .object({
    alert_id: z.string(),
    kind: z.enum(FINANCE_ALERT_KINDS),
    event_id: z.string().meta({ description: 'The webhook event that carried it (`webhook-id`).' }),
    delivery_id: z.uuid().nullable().meta({
      description: 'Its webhook delivery; null when no alert webhook URL was set.',
    }),
    budget_id: z.uuid().nullable(),
    period: MonthSchema.nullable(),
    threshold_percent: z.int().nullable(),
    cap_credits: z.int().nullable(),
    used_credits: z.int().nullable(),
    balance: z.int().nullable(),
    low_balance_credits: z.int().nullable(),
    ledger_row_id: z
      .string()
      .nullable()
      .meta({ description: 'The ledger row that took the balance below the level.' }),
    batch_id: z
      .uuid()
      .nullable()
      .meta({ description: 'The batch whose admission crossed the threshold.' }),
    created_at: TimestampSchema,
  })
  .meta({ id: 'Alert' });

export const AlertPageSchema = z
  .object({
    ok: z.literal(true),
    data: z.array(AlertSchema).meta({ description: 'Newest first.' }),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'AlertPage' });

export const AlertListQuerySchema = z.strictObject({
  kind: z.enum(FINANCE_ALERT_KINDS).optional(),
  limit: PageLimitSchema(100, 20),
  cursor: CursorSchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// Monthly statements

const ChainPointSchema = z.object({
  ledger_row_id: z.string(),
  row_hash: z.string(),
  balance_after: z.int(),
  created_at: TimestampSchema,
});

export const MonthlyStatementSchema = z
  .object({
    statement_version: z.literal(1),
    statement_type: z.literal('monthly'),
    account_id: z.uuid(),
    account_name: z.string(),
    month: MonthSchema,
    time_zone: z.string(),
    period_start: TimestampSchema,
    period_end: TimestampSchema,
    final: z.boolean().meta({
      description:
        'false while the month is running (and for 5 minutes after it ends): figures so far.',
    }),
    opening_balance: z.int().meta({ description: 'The ledger balance at `period_start`.' }),
    closing_balance: z.int().meta({
      description:
        'The ledger balance at `period_end` (so far, when not final): the next month’s opening balance.',
    }),
    totals: z
      .object({
        topup_credits: z.int(),
        upfront_credits: z
          .int()
          .meta({ description: 'Batch pre-deductions, as a positive amount.' }),
        refunded_credits: z.int(),
        adjustment_added_credits: z.int(),
        adjustment_removed_credits: z
          .int()
          .meta({ description: 'Corrections that took credits, as a positive amount.' }),
      })
      .meta({
        description:
          'Positive amounts named for what they are: closing = opening + topups − upfront + refunded + added − removed.',
      }),
    counts: z.object({
      ledger_rows: z.int(),
      topups: z.int(),
      upfront_charges: z.int(),
      refunds: z.int(),
      adjustments: z.int(),
    }),
    entries: z
      .array(
        z.object({
          ledger_row_id: z.string(),
          type: z.enum(LEDGER_REF_TYPES),
          credits_delta: z.int(),
          balance_after: z.int(),
          memo: z.string().nullable(),
          created_at: TimestampSchema,
          row_hash: z.string(),
        }),
      )
      .meta({
        description: 'Top-ups and adjustments of the month, one per ledger row, in ledger order.',
      }),
    batches: z
      .array(
        z.object({
          batch_id: z.uuid(),
          created_at: TimestampSchema,
          status: z.string(),
          settlement_status: z.enum(SETTLEMENT_STATUSES),
          upfront_credits: z
            .int()
            .meta({ description: 'Its pre-deduction in this month (0 if in another).' }),
          refunded_credits: z.int().meta({ description: 'Its refunds in this month.' }),
          refunded_tasks: z.int(),
        }),
      )
      .meta({ description: 'Every batch admitted in the month or with a ledger row in it.' }),
    opening_chain_head: ChainPointSchema.nullable().meta({
      description:
        'The account’s last ledger row before the month: the previous statement’s `chain_head`.',
    }),
    chain_head: ChainPointSchema.nullable().meta({
      description:
        'The account’s last ledger row of the month (at issue, when not final); its `balance_after` is the closing balance.',
    }),
    issued_at: TimestampSchema,
  })
  .meta({ id: 'MonthlyStatementBody' });

export const SignedMonthlyStatementSchema = MonthlyStatementSchema.extend({
  ok: z.literal(true),
  signature: z.object({
    algorithm: z.literal('ed25519'),
    key_id: z.string(),
    value: z.string().meta({
      description:
        'Ed25519 over the statement without `ok` and `signature`, keys sorted, no whitespace (base64).',
    }),
  }),
}).meta({ id: 'MonthlyStatement' });

export const StatementListSchema = z
  .object({
    ok: z.literal(true),
    time_zone: z.string(),
    data: z
      .array(
        z.object({
          month: MonthSchema,
          period_start: TimestampSchema,
          period_end: TimestampSchema,
          final: z.boolean(),
        }),
      )
      .meta({
        description: 'Newest first: every month from the account’s first ledger row to now.',
      }),
  })
  .meta({ id: 'StatementList' });

export const StatementParamsSchema = z.object({ month: MonthSchema });

export const StatementQuerySchema = z.strictObject({
  format: z.enum(['json', 'csv', 'pdf']).default('json').meta({
    description:
      '`json` (signature embedded), `csv` or `pdf` (signature of the file in `X-Batchreel-Signature: ed25519=<base64>`).',
  }),
  lang: z.enum(['en', 'zh-CN']).default('en').meta({ description: 'Language of the PDF.' }),
});

export const StatementKeySchema = z
  .object({
    ok: z.literal(true),
    algorithm: z.literal('ed25519'),
    key_id: z.string(),
    public_key_pem: z.string().meta({ description: 'SPKI PEM: checks statements offline.' }),
  })
  .meta({ id: 'StatementKey' });

// ---------------------------------------------------------------------------------------------
// Alert events (POSTed to the account's alert webhook URL)

const eventEnvelope = {
  id: z.string().meta({ description: 'The event id, also sent as `webhook-id`.' }),
  timestamp: TimestampSchema,
};

export const BudgetThresholdDataSchema = z.object({
  account_id: z.uuid(),
  budget: z.object(budgetFields),
  period: MonthSchema,
  time_zone: z.string(),
  threshold_percent: z.int(),
  used_credits: z.int(),
  remaining_credits: z.int(),
  percent_used: z.int(),
  batch_id: z.uuid().nullable().meta({
    description: 'The batch whose admission crossed it; null when a change of the cap did.',
  }),
});

export const BudgetThresholdEventSchema = z
  .object({
    ...eventEnvelope,
    type: z.literal('budget.threshold_crossed'),
    data: BudgetThresholdDataSchema,
  })
  .meta({ id: 'BudgetThresholdCrossedEvent' });

export const BalanceLowDataSchema = z.object({
  account_id: z.uuid(),
  balance: z.int().meta({ description: 'The balance after the row that crossed the level.' }),
  low_balance_credits: z.int().meta({ description: 'The level finance set.' }),
  ledger_row_id: z.string().nullable(),
});

export const BalanceLowEventSchema = z
  .object({ ...eventEnvelope, type: z.literal('balance.low'), data: BalanceLowDataSchema })
  .meta({ id: 'BalanceLowEvent' });

/** The refusal's `budget` (402 `budget_exceeded`). */
export const ExceededBudgetSchema = z
  .object({
    ...budgetFields,
    period: MonthSchema,
    used_credits: z.int(),
    needed_credits: z.int(),
    remaining_credits: z.int(),
  })
  .meta({ id: 'ExceededBudget' });
