/** Every webhook event type we send, with when (rendered into the OpenAPI document and the docs). */
export const WEBHOOK_EVENTS = {
  'batch.processing': 'The worker froze the credits and started the tasks.',
  'batch.completed':
    'Every task finished and the batch is settled (`status` is `completed`, `partial` or `failed`); refunds are in the figures.',
  'batch.canceled': 'The batch was canceled and is settled; unfinished tasks were refunded.',
} as const;

export type WebhookEventType = keyof typeof WEBHOOK_EVENTS;

/** The keys of {@link WEBHOOK_EVENTS}, in order (a non-empty tuple, as `z.enum` wants it). */
export const WEBHOOK_EVENT_TYPES = Object.keys(WEBHOOK_EVENTS) as [
  WebhookEventType,
  ...WebhookEventType[],
];
