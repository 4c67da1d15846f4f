// The public REST API's request and response bodies, field for field (snake_case) as the server's
// zod schemas define them (apps/api/src/*/schemas.ts). Written out by hand on purpose: a package
// never imports from an app, and these types are the client's contract with the wire format.
// They cannot drift unnoticed: apps/api/test/client-contract.test.ts fails to typecheck when one
// differs from what the API's schema infers, and the API's tests read every answer through this
// client and validate it against the served OpenAPI document. Statuses come from the contracts,
// which the package's index re-exports.

import type {
  BatchStatus,
  BatchWebhookEventType,
  BudgetEnforcement,
  BudgetScope,
  DeliveryStatus,
  ErrorCode,
  FinanceAlertKind,
  LedgerRefType,
  SettlementStatus,
  TaskStatus,
  WebhookEventType,
} from '@batchreel/contracts';

/** ISO-8601 timestamp, as every response renders times. */
export type Timestamp = string;

/** One video to generate. */
export interface VideoItem {
  /** What the video shows (non-empty, ≤ 2,000 characters). */
  prompt: string;
  /** A model id from the catalogue, e.g. `sora-2`. */
  model: string;
  /** Video length; one of the model's allowed lengths (default: its first). */
  seconds?: number;
  /** Frame size `WIDTHxHEIGHT`; one of the model's allowed sizes (default: its first). */
  size?: string;
}

/** Body of `POST /video-batch` and `POST /video-batch/quote`. */
export interface CreateBatchRequest {
  /** 1 to 10,000 items. */
  items: VideoItem[];
  /** Where to POST signed batch events (https; http only where the server allows it). */
  webhook_url?: string;
  /** Your own key/value strings, echoed on reads and webhooks. */
  metadata?: Record<string, string>;
}

/** Items of a per-second model at one length and size. */
export interface QuoteVariant {
  seconds: number;
  size: string;
  count: number;
  credits_per_second: number;
  /** `credits_per_second × seconds`: the price of each of these items. */
  price_credits: number;
  subtotal_credits: number;
}

/** Per-model count and price of a batch. */
export interface QuoteLine {
  model: string;
  count: number;
  /** Each item's price: always for a flat price; per second only when they all cost the same. */
  price_credits: number | null;
  subtotal_credits: number;
  /** How the model is priced (in quotes and admission answers; absent in batch reads). */
  pricing?: 'per_video' | 'per_second';
  /** Per-second prices: one entry per length and size. */
  variants?: QuoteVariant[];
}

interface QuoteFields {
  total_count: number;
  /** Credits per video when every item costs the same, else `null` (see `breakdown`). */
  cost_per_video: number | null;
  /** What the batch pre-deducts. */
  required_credits: number;
  /** Balance minus credits reserved by admitted, not-yet-started batches, before this batch. */
  available_credits: number;
  breakdown: QuoteLine[];
}

/** Answer of `POST /video-batch/quote`: the quote and whether it would be admitted now. */
export interface Quote extends QuoteFields {
  ok: true;
  balance: number;
  reserved_credits: number;
  /** Every budget cap the batch would count against this month, and whether it would cross it. */
  budgets: QuoteBudget[];
  would_admit: boolean;
  /** Credits missing for admission; 0 when it would be admitted. */
  shortfall_credits: number;
}

/** `202` answer of `POST /video-batch`. */
export interface BatchAdmitted extends QuoteFields {
  ok: true;
  batch_id: string;
  status: 'queued';
  request_id: string;
  balance_snapshot: true;
  enqueue: 'queued';
}

/** `retryFailed`: the new batch of the original's failed tasks, as admission answers it. */
export interface RetryAdmitted extends BatchAdmitted {
  /** The batch whose failed tasks this one runs again. */
  retried_from_batch_id: string;
}

/** A batch: status, counts and billing (`GET /video-batch/{id}`). */
export interface Batch {
  ok: true;
  batch_id: string;
  request_id: string | null;
  status: BatchStatus;
  total_count: number;
  success_count: number;
  failed_count: number;
  canceled_count: number;
  /** Tasks not yet finished. */
  pending_count: number;
  cost_per_video: number | null;
  required_credits: number;
  /** Pre-deducted at start (0 while queued); always = spent + refunded + pending. */
  frozen_credits: number;
  /** Σ price of succeeded tasks: so far while running, final once settled. */
  credits_spent: number;
  /** Σ refunds of failed and canceled tasks: so far while running, final once settled. */
  refunded_credits: number;
  /** Frozen credits of tasks not yet finished (0 once settled). */
  pending_credits: number;
  /** frozen − refunded (= spent + pending); equals `credits_spent` once settled. */
  net_spent_credits: number;
  settlement_status: SettlementStatus;
  breakdown: QuoteLine[];
  webhook_url: string | null;
  metadata: Record<string, string> | null;
  /** The batch whose failed tasks this one re-runs (`retryFailed`); null otherwise. */
  retried_from_batch_id: string | null;
  /** Batches made from this one's failed tasks by `retryFailed`, oldest first. */
  retry_batch_ids: string[];
  /** Where the results are downloaded: paths on the API (the client's download methods use them). */
  results: BatchResults;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  settled_at: Timestamp | null;
  /** This batch's webhook events and how their delivery stands, oldest first. */
  webhook_deliveries: BatchWebhookDelivery[];
}

/** A batch's result downloads: paths on the API, sent with the API key. */
export interface BatchResults {
  manifest_csv: string;
  manifest_jsonl: string;
  videos_zip: string;
}

/** How one event of a batch stands with its webhook (every attempt: `webhookDelivery(id)`). */
export interface BatchWebhookDelivery {
  delivery_id: string;
  /** The `webhook-id` the event is sent with. */
  event_id: string;
  event_type: WebhookEventType;
  status: DeliveryStatus;
  /** Attempts made so far. */
  attempt_count: number;
  last_attempt_at: Timestamp | null;
  /** The endpoint's answer to the last attempt; `null` when none arrived. */
  last_status_code: number | null;
  /** Why the last attempt failed; `null` after a success. */
  last_error: string | null;
  /** When the next attempt is due, while `pending`. */
  next_attempt_at: Timestamp | null;
  delivered_at: Timestamp | null;
}

/** A batch in a list (`GET /video-batches`): the batch read without `ok` and `breakdown`. */
export type BatchSummary = Omit<
  Batch,
  'ok' | 'breakdown' | 'webhook_deliveries' | 'retry_batch_ids' | 'results'
>;

/** Where a task's video stands. */
export type VideoStatus = 'none' | 'stored' | 'expired' | 'external';

/** `GET /videos/{task_id}`: the signed download the stable link redirects to. */
export interface VideoRedirect {
  ok: true;
  task_id: string;
  /** Works without the API key until `expires_at`. */
  url: string;
  expires_at: Timestamp;
  sha256: string;
  size_bytes: number;
  content_type: string;
  filename: string;
}

/** One video task of a batch. */
export interface Task {
  task_id: string;
  /** 0-based position of the item in the request. */
  batch_index: number;
  prompt: string;
  model: string;
  parameters: { seconds: number; size: string };
  status: TaskStatus;
  attempts: number;
  cost_credits: number;
  /** Whether the price went back to the balance (a `batch_refund` ledger entry). */
  refunded: boolean;
  /**
   * Batchreel's stable link to the video (send the API key; it redirects to a short-lived signed
   * download): `downloadVideo` follows it. Null until the task succeeds and once it expired.
   */
  video_url: string | null;
  /** `stored` (downloadable), `expired` (deleted by retention), `none`, or `external` (old tasks). */
  video_status: VideoStatus;
  /** SHA-256 of the stored video, lower-case hex: check the download against it. */
  video_sha256: string | null;
  video_size_bytes: number | null;
  video_content_type: string | null;
  video_duration_seconds: number | null;
  video_stored_at: Timestamp | null;
  /** When retention deletes (or deleted) the video. */
  video_expires_at: Timestamp | null;
  /** When retention deleted the video. */
  video_expired_at: Timestamp | null;
  /** Stable code: `timeout`, `provider_error`, `content_policy`, `network_error`, `canceled`, … */
  error_code: string | null;
  error_message: string | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** A cursor-paginated page. */
export interface Page<T> {
  ok: true;
  data: T[];
  has_more: boolean;
  /** Pass back unchanged as `cursor` for the next page. */
  next_cursor: string | null;
}

export type TaskPage = Page<Task>;

/** Newest first. */
export type BatchPage = Page<BatchSummary>;

/** `GET /balance`. */
export interface Balance {
  ok: true;
  account_id: string;
  account_name: string;
  /** Σ of the ledger: credits the account holds. */
  balance: number;
  /** Held by admitted batches that have not started yet. */
  reserved_credits: number;
  /** balance − reserved: what a new batch may spend. */
  available_credits: number;
}

/** One ledger row of the account's statement. */
export interface LedgerEntry {
  /** Increases with time. */
  id: string;
  ref_type: LedgerRefType;
  /** The batch for batch entries; the grant or correction otherwise. */
  ref_id: string;
  /** The refunded task, for `batch_refund`. */
  task_id: string | null;
  /** Signed, never 0. */
  credits_delta: number;
  balance_after: number;
  memo: string | null;
  created_at: Timestamp;
}

/** Newest first. */
export type LedgerPage = Page<LedgerEntry>;

/** `GET /webhook-secret` and `POST /webhook-secret/rotate`. */
export interface SigningSecret {
  ok: true;
  /** The current `whsec_...` secret. */
  secret: string;
  created_at: Timestamp;
  /** Rotated-out secrets still in their overlap window. */
  previous_secrets: { secret_prefix: string; expires_at: Timestamp }[];
}

export interface WebhookAttempt {
  attempted_at: Timestamp;
  /** `null` when no answer arrived. */
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  /** The first 2 KiB of the receiver's answer. */
  response_body: string | null;
}

/** One event sent (or being sent) to a webhook URL, with its attempts. */
export interface WebhookDelivery {
  delivery_id: string;
  event_id: string;
  event_type: WebhookEventType;
  batch_id: string | null;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Timestamp | null;
  last_error: string | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
  /** Oldest first. */
  attempts: WebhookAttempt[];
}

/** Newest first. */
export type DeliveryPage = Page<WebhookDelivery>;

/** `GET /webhook-deliveries/{id}` and `POST /webhook-deliveries/{id}/redeliver`. */
export interface WebhookDeliveryResponse {
  ok: true;
  delivery: WebhookDelivery;
}

/**
 * What a webhook delivery's body holds: `data` is the batch as `GET /video-batch/{id}` shows it,
 * without its own delivery state.
 */
export interface WebhookEvent {
  id: string;
  type: BatchWebhookEventType;
  timestamp: Timestamp;
  data: Omit<Batch, 'ok' | 'webhook_deliveries'>;
}

/** The error envelope every non-2xx answer carries. */
export interface ErrorResponse {
  ok: false;
  error: {
    /** Stable; the document lists each with its status (`ERROR_CODES` of the contracts). */
    code: ErrorCode;
    /** A sentence for people; do not parse it. */
    message: string;
    details: { path: string; message: string }[];
  };
  request_id: string;
}

/** The `402 insufficient_credits` envelope: what the batch needs and what the account has. */
export interface InsufficientCreditsResponse extends ErrorResponse {
  required_credits: number;
  available_credits: number;
}

// ---------------------------------------------------------------------------------------------
// Finance controls: projects, budgets, alerts, monthly statements

/** What a budget caps, its cap and thresholds. */
export interface BudgetFields {
  budget_id: string;
  /** The account, a project or an API key. */
  scope: BudgetScope;
  project_id: string | null;
  api_key_id: string | null;
  /** Only this model's videos count; `null`: every model. */
  model: string | null;
  /** Credits per calendar month (the account's time zone). */
  cap_credits: number;
  /** `hard`: a batch that would cross it is refused (402 `budget_exceeded`); `soft`: alerts only. */
  enforcement: BudgetEnforcement;
  /** Percents of the cap at which `budget.threshold_crossed` fires. */
  threshold_percents: number[];
}

/** A budget with its month's use (`GET /budgets`). */
export interface Budget extends BudgetFields {
  /** `YYYY-MM`. */
  period: string;
  /** Reserved + charged − refunded, for batches admitted in the month. */
  used_credits: number;
  remaining_credits: number;
  percent_used: number;
  /** Thresholds that fired this month and are not re-armed yet. */
  fired_thresholds: number[];
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface BudgetList {
  ok: true;
  period: string;
  time_zone: string;
  data: Budget[];
}

/** A budget a quoted batch counts against. */
export interface QuoteBudget extends BudgetFields {
  period: string;
  used_credits: number;
  /** What this batch adds to the budget. */
  needed_credits: number;
  remaining_credits: number;
  would_exceed: boolean;
}

/** The budget named by a `402 budget_exceeded`: the tightest hard cap the batch would cross. */
export interface ExceededBudget extends BudgetFields {
  period: string;
  used_credits: number;
  needed_credits: number;
  remaining_credits: number;
}

/** The `402 budget_exceeded` envelope. */
export interface BudgetExceededResponse extends ErrorResponse {
  /** What the whole batch costs. */
  required_credits: number;
  budget: ExceededBudget;
}

export interface Project {
  project_id: string;
  name: string;
  api_keys: { api_key_id: string; name: string; prefix: string; revoked_at: Timestamp | null }[];
  created_at: Timestamp;
}

export interface ProjectList {
  ok: true;
  data: Project[];
}

/** An alert that fired. */
export interface Alert {
  alert_id: string;
  kind: FinanceAlertKind;
  /** The webhook event that carried it. */
  event_id: string;
  delivery_id: string | null;
  budget_id: string | null;
  period: string | null;
  threshold_percent: number | null;
  cap_credits: number | null;
  used_credits: number | null;
  balance: number | null;
  low_balance_credits: number | null;
  ledger_row_id: string | null;
  batch_id: string | null;
  created_at: Timestamp;
}

/** Newest first. */
export type AlertPage = Page<Alert>;

/** A ledger row at a chain position (a statement's opening or closing chain head). */
export interface ChainPoint {
  ledger_row_id: string;
  row_hash: string;
  balance_after: number;
  created_at: Timestamp;
}

/** `GET /statements/{month}`: a signed monthly statement. */
export interface MonthlyStatement {
  ok: true;
  statement_version: 1;
  statement_type: 'monthly';
  account_id: string;
  account_name: string;
  month: string;
  time_zone: string;
  period_start: Timestamp;
  period_end: Timestamp;
  /** false while the month runs (and 5 minutes after). */
  final: boolean;
  opening_balance: number;
  closing_balance: number;
  /** closing = opening + topups − upfront + refunded + added − removed. */
  totals: {
    topup_credits: number;
    upfront_credits: number;
    refunded_credits: number;
    adjustment_added_credits: number;
    adjustment_removed_credits: number;
  };
  counts: {
    ledger_rows: number;
    topups: number;
    upfront_charges: number;
    refunds: number;
    adjustments: number;
  };
  entries: {
    ledger_row_id: string;
    type: LedgerRefType;
    credits_delta: number;
    balance_after: number;
    memo: string | null;
    created_at: Timestamp;
    row_hash: string;
  }[];
  batches: {
    batch_id: string;
    created_at: Timestamp;
    status: string;
    settlement_status: SettlementStatus;
    upfront_credits: number;
    refunded_credits: number;
    refunded_tasks: number;
  }[];
  opening_chain_head: ChainPoint | null;
  chain_head: ChainPoint | null;
  issued_at: Timestamp;
  signature: { algorithm: 'ed25519'; key_id: string; value: string };
}

export interface StatementList {
  ok: true;
  time_zone: string;
  data: { month: string; period_start: Timestamp; period_end: Timestamp; final: boolean }[];
}

export interface StatementKey {
  ok: true;
  algorithm: 'ed25519';
  key_id: string;
  /** SPKI PEM. */
  public_key_pem: string;
}

/** A statement downloaded as a file, with the signature of its bytes. */
export interface StatementFile {
  bytes: Uint8Array;
  contentType: string;
  /** base64 Ed25519 signature of `bytes`. */
  signature: string;
  keyId: string;
}

/** `budget.threshold_crossed`, POSTed to the account's alert webhook URL. */
export interface BudgetThresholdCrossedEvent {
  id: string;
  type: 'budget.threshold_crossed';
  timestamp: Timestamp;
  data: {
    account_id: string;
    budget: BudgetFields;
    period: string;
    time_zone: string;
    threshold_percent: number;
    used_credits: number;
    remaining_credits: number;
    percent_used: number;
    /** The batch whose admission crossed it; `null` when a change of the cap did. */
    batch_id: string | null;
  };
}

/** `balance.low`, POSTed to the account's alert webhook URL. */
export interface BalanceLowEvent {
  id: string;
  type: 'balance.low';
  timestamp: Timestamp;
  data: {
    account_id: string;
    balance: number;
    low_balance_credits: number;
    ledger_row_id: string | null;
  };
}
