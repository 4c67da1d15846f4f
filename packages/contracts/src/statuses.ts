// Every list here is also a PostgreSQL enum (packages/db/prisma/schema.prisma); a test in
// packages/db fails when the two differ, in members or in order.

/** Lifecycle of a batch (`batch_jobs.status`), in order: `queued` → `processing` → a final status. */
export const BATCH_STATUSES = [
  'queued',
  'processing',
  'completed',
  'partial',
  'failed',
  'canceled',
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** Money state of a batch (`batch_jobs.settlement_status`): `pending` until it is settled. */
export const SETTLEMENT_STATUSES = ['pending', 'settled', 'refunded'] as const;
export type SettlementStatus = (typeof SETTLEMENT_STATUSES)[number];

/** Lifecycle of one video task (`video_tasks.status`), in order. */
export const TASK_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Why a credit ledger row exists (`credit_ledger.ref_type`). */
export const LEDGER_REF_TYPES = ['topup', 'batch_upfront', 'batch_refund', 'adjustment'] as const;
export type LedgerRefType = (typeof LEDGER_REF_TYPES)[number];

/**
 * How one webhook event stands (`webhook_deliveries.status`): `pending` while attempts remain,
 * `delivered` on a 2xx answer, `failed` once the retry schedule is exhausted.
 */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Roles of the admin app's staff (`admin_users.role`), from the least to the most trusted. */
export const STAFF_ROLES = ['support', 'finance', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** What a budget caps (`budgets.scope`): the whole account, one project, or one API key. */
export const BUDGET_SCOPES = ['account', 'project', 'api_key'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/**
 * How a budget acts on admission (`budgets.enforcement`): `hard` refuses a batch that would cross
 * the cap (402 `budget_exceeded`), `soft` admits it and alerts.
 */
export const BUDGET_ENFORCEMENTS = ['hard', 'soft'] as const;
export type BudgetEnforcement = (typeof BUDGET_ENFORCEMENTS)[number];

/** What a finance alert is about (`finance_alerts.kind`). */
export const FINANCE_ALERT_KINDS = ['budget_threshold', 'balance_low'] as const;
export type FinanceAlertKind = (typeof FINANCE_ALERT_KINDS)[number];
