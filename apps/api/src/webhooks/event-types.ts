/**
 * The webhook vocabulary on its own, without other schemas: the batch schema (which lists a
 * batch's deliveries) and the webhook event schema (which embeds the batch) both need it.
 */

/** Every event type we send, with when (rendered into the OpenAPI document and the docs). */
export const WEBHOOK_EVENTS = {
  'batch.processing': 'The worker froze the credits and started the tasks.',
  'batch.completed':
    'Every task finished and the batch is settled (`status` is `completed`, `partial` or `failed`); refunds are in the figures.',
  'batch.canceled': 'The batch was canceled and is settled; unfinished tasks were refunded.',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [
  WebhookEventType,
  ...WebhookEventType[],
];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
