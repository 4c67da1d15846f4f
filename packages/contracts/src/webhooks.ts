/** Every webhook event type we send, with when (rendered into the OpenAPI document and the docs). */
export const WEBHOOK_EVENTS = {
  'batch.processing': 'The worker froze the credits and started the tasks.',
  'batch.completed':
    'Every task finished and the batch is settled (`status` is `completed`, `partial` or `failed`); refunds are in the figures.',
  'batch.canceled': 'The batch was canceled and is settled; unfinished tasks were refunded.',
  'budget.threshold_crossed':
    "A budget's month-to-date use reached one of its thresholds (a percent of its cap). Sent once per crossing, to the account's alert webhook URL; again only after the use fell below the threshold and reached it again.",
  'balance.low':
    "The account balance fell below the low-balance level finance set. Sent once per crossing, to the account's alert webhook URL; again only after the balance rose to the level and fell below it again.",
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;

/** The keys of {@link WEBHOOK_EVENTS}, in order (a non-empty tuple, as `z.enum` wants it). */
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [
  WebhookEventType,
  ...WebhookEventType[],
];

/** The events about one batch, sent to the batch's `webhook_url` with the batch as `data`. */
export const BATCH_WEBHOOK_EVENT_TYPES = [
  'batch.processing',
  'batch.completed',
  'batch.canceled',
] as const satisfies readonly WebhookEventType[];
export type BatchWebhookEventType = (typeof BATCH_WEBHOOK_EVENT_TYPES)[number];

/** The finance alerts, sent to the account's alert webhook URL. */
export const ALERT_WEBHOOK_EVENT_TYPES = [
  'budget.threshold_crossed',
  'balance.low',
] as const satisfies readonly WebhookEventType[];
export type AlertWebhookEventType = (typeof ALERT_WEBHOOK_EVENT_TYPES)[number];
