/**
 * `@batchreel/contracts`: what the API, the admin app and the client agree on, written once.
 * Statuses (each also a PostgreSQL enum), the error codes clients see, the limits of a batch
 * request. Pure data and functions: no I/O, no dependencies, safe in a browser bundle. The
 * item-file parser (CSV and JSON Lines) is a separate entry, `@batchreel/contracts/items-file`,
 * so that importing a status does not bring a CSV library along.
 *
 * @packageDocumentation
 */

export type { ErrorCode, TaskErrorCode } from './errors';
export { ERROR_CODES, TASK_ERROR_CODES } from './errors';
export type { ItemField } from './limits';
export { ITEM_FIELDS, ITEM_SIZE_PATTERN, LIMITS } from './limits';
export type {
  BatchStatus,
  BudgetEnforcement,
  BudgetScope,
  DeliveryStatus,
  FinanceAlertKind,
  LedgerRefType,
  SettlementStatus,
  StaffRole,
  TaskStatus,
} from './statuses';
export {
  BATCH_STATUSES,
  BUDGET_ENFORCEMENTS,
  BUDGET_SCOPES,
  DELIVERY_STATUSES,
  FINANCE_ALERT_KINDS,
  LEDGER_REF_TYPES,
  SETTLEMENT_STATUSES,
  STAFF_ROLES,
  TASK_STATUSES,
} from './statuses';
export type {
  AlertWebhookEventType,
  BatchWebhookEventType,
  WebhookEventType,
} from './webhooks';
export {
  ALERT_WEBHOOK_EVENT_TYPES,
  BATCH_WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_EVENTS,
} from './webhooks';
