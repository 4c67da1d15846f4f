import {
  BATCH_WEBHOOK_EVENT_TYPES,
  DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
} from '@batchreel/contracts';
import { z } from 'zod';
import { BatchSchema } from '../batches/schemas';
import { CursorSchema, PageLimitSchema } from '../platform/pages';
import { TimestampSchema } from '../platform/wire';

// ---------------------------------------------------------------------------------------------
// Events (what we POST to a batch's `webhook_url`)

export const WebhookEventSchema = z
  .object({
    id: z.string().meta({
      description:
        'The event id, also sent as `webhook-id`: the same on every retry and redelivery, so use it to ignore duplicates.',
    }),
    type: z.enum(BATCH_WEBHOOK_EVENT_TYPES),
    timestamp: TimestampSchema.meta({ description: 'When the event happened.' }),
    data: BatchSchema.omit({ ok: true, webhook_deliveries: true }).meta({
      description:
        'The batch as of the event, as `GET /video-batch/{id}` shows it, without `webhook_deliveries` (an event cannot describe its own delivery).',
    }),
  })
  .meta({ id: 'WebhookEvent' });

export type WebhookEvent = z.infer<typeof WebhookEventSchema>;

// ---------------------------------------------------------------------------------------------
// Signing secret

export const SigningSecretSchema = z
  .object({
    ok: z.literal(true),
    secret: z.string().meta({
      description: 'The current `whsec_...` secret: verify `webhook-signature` with it.',
    }),
    created_at: TimestampSchema,
    previous_secrets: z
      .array(
        z.object({
          secret_prefix: z.string().meta({ description: 'The first characters, to recognise it.' }),
          expires_at: TimestampSchema,
        }),
      )
      .meta({
        description:
          'Rotated-out secrets still in their overlap window: deliveries carry a signature for each until it expires.',
      }),
  })
  .meta({ id: 'SigningSecret' });

export const MAX_OVERLAP_SECONDS = 7 * 24 * 3600;

export const RotateSecretRequestSchema = z
  .strictObject({
    overlap_seconds: z
      .int('Must be an integer.')
      .min(0, 'Must be at least 0.')
      .max(MAX_OVERLAP_SECONDS, `Must be at most ${MAX_OVERLAP_SECONDS} (7 days).`)
      .default(86_400)
      .meta({
        description:
          'How long the old secret keeps signing alongside the new one (default 24 h; 0 retires it at once).',
      }),
  })
  .meta({ id: 'RotateSecretRequest' });

// ---------------------------------------------------------------------------------------------
// Deliveries

export const WebhookAttemptSchema = z
  .object({
    attempted_at: TimestampSchema,
    status_code: z.int().nullable().meta({ description: 'null when no answer arrived.' }),
    latency_ms: z.int(),
    error: z.string().nullable().meta({ description: 'Why the attempt failed, when it did.' }),
    response_body: z
      .string()
      .nullable()
      .meta({ description: 'The first 2 KiB of your answer, for debugging.' }),
  })
  .meta({ id: 'WebhookAttempt' });

export const WebhookDeliverySchema = z
  .object({
    delivery_id: z.uuid(),
    event_id: z.string(),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    batch_id: z.uuid().nullable(),
    url: z.string(),
    status: z.enum(DELIVERY_STATUSES).meta({
      description:
        '`pending` while attempts remain, `delivered` on a 2xx answer, `failed` when the retry schedule is exhausted.',
    }),
    attempt_count: z.int(),
    next_attempt_at: TimestampSchema.nullable(),
    last_error: z.string().nullable(),
    created_at: TimestampSchema,
    delivered_at: TimestampSchema.nullable(),
    attempts: z.array(WebhookAttemptSchema).meta({ description: 'Oldest first.' }),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryResponseSchema = z
  .object({ ok: z.literal(true), delivery: WebhookDeliverySchema })
  .meta({ id: 'WebhookDeliveryResponse' });

export const WebhookDeliveryPageSchema = z
  .object({
    ok: z.literal(true),
    data: z.array(WebhookDeliverySchema).meta({ description: 'Newest first.' }),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'WebhookDeliveryPage' });

export const DeliveryListQuerySchema = z.strictObject({
  batch_id: z.string().optional().meta({ description: 'Only the deliveries of this batch.' }),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: PageLimitSchema(100, 20),
  cursor: CursorSchema.optional(),
});

export const DeliveryIdParamsSchema = z.object({
  id: z.string().meta({ description: 'The `delivery_id`.' }),
});
