import {
  BATCH_STATUSES,
  DELIVERY_STATUSES,
  ITEM_SIZE_PATTERN,
  LIMITS,
  SETTLEMENT_STATUSES,
  TASK_STATUSES,
  WEBHOOK_EVENT_TYPES,
} from '@batchreel/contracts';
import { z } from 'zod';
import { QuoteBudgetSchema } from '../finance/schemas';
import { idPrefixRange, MIN_ID_PREFIX_HEX } from '../platform/ids';
import { CursorSchema, PageLimitSchema } from '../platform/pages';
import { characterCount, isStorableText, text, typeError } from '../platform/validation';
import { TimestampSchema } from '../platform/wire';

// ---------------------------------------------------------------------------------------------
// Requests

export const VideoItemSchema = z
  .strictObject({
    prompt: text({ max: LIMITS.maxPromptChars })
      .refine((value) => /\S/.test(value), 'Must not be empty.')
      .meta({ description: 'What the video shows.', example: 'A cat playing piano' }),
    model: text({ max: LIMITS.maxModelIdChars })
      .refine((value) => value.length > 0, 'Must not be empty.')
      .meta({ description: 'A model id from the catalogue, e.g. `sora-2`.', example: 'sora-2' }),
    seconds: z
      .int({ error: typeError('Must be an integer.') })
      .positive('Must be positive.')
      .max(LIMITS.maxSeconds, `Must be at most ${LIMITS.maxSeconds}.`)
      .optional()
      .meta({
        description:
          "Video length in seconds; one of the model's allowed lengths (default: its first). A per-second price charges for each second.",
      }),
    size: z
      .string({ error: typeError('Must be a string.') })
      .regex(ITEM_SIZE_PATTERN, 'Must be WIDTHxHEIGHT, e.g. 1280x720.')
      .optional()
      .meta({
        description:
          "Frame size; one of the model's allowed sizes (default: its first). A per-second price depends on it.",
      }),
  })
  .meta({ id: 'VideoItem' });

/** Keys and values are checked one by one so that each problem names its own key. */
export const MetadataSchema = z
  .record(z.string(), z.string({ error: typeError('Must be a string.') }), {
    error: typeError('Must be an object of string values.'),
  })
  .superRefine((value, ctx) => {
    const keys = Object.keys(value);
    if (keys.length > LIMITS.maxMetadataKeys) {
      ctx.addIssue({ code: 'custom', message: `At most ${LIMITS.maxMetadataKeys} keys.` });
    }
    for (const key of keys) {
      const entry = value[key] ?? '';
      if (
        key.length === 0 ||
        characterCount(key) > LIMITS.maxMetadataKeyChars ||
        !isStorableText(key)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `Keys must be 1–${LIMITS.maxMetadataKeyChars} characters of storable text.`,
        });
      } else if (characterCount(entry) > LIMITS.maxMetadataValueChars || !isStorableText(entry)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `Values must be at most ${LIMITS.maxMetadataValueChars} characters of storable text.`,
        });
      }
    }
  })
  .meta({
    id: 'Metadata',
    description: `Your own key/value strings (≤ ${LIMITS.maxMetadataKeys} keys, keys ≤ ${LIMITS.maxMetadataKeyChars} and values ≤ ${LIMITS.maxMetadataValueChars} characters), echoed on reads and webhooks.`,
    example: { campaign: 'spring-2026' },
  });

export const CreateBatchRequestSchema = z
  .strictObject(
    {
      items: z
        .array(VideoItemSchema, { error: typeError('Must be an array of items.') })
        .min(1, 'At least 1 item.')
        .max(LIMITS.maxItems, `At most ${LIMITS.maxItems.toLocaleString('en-US')} items.`),
      webhook_url: z
        .url({ protocol: /^https?$/, error: 'Must be an absolute http(s) URL.' })
        .max(LIMITS.maxWebhookUrlChars, `Must be at most ${LIMITS.maxWebhookUrlChars} characters.`)
        .refine(isStorableText, 'Must not contain NUL characters or unpaired surrogates.')
        .optional()
        .meta({
          description:
            'Where to POST signed batch events. https (http only where configuration allows).',
        }),
      metadata: MetadataSchema.optional(),
    },
    { error: typeError('The body must be a JSON object.') },
  )
  .meta({ id: 'CreateBatchRequest' });

export type CreateBatchRequest = z.infer<typeof CreateBatchRequestSchema>;
export type VideoItem = z.infer<typeof VideoItemSchema>;

// ---------------------------------------------------------------------------------------------
// Responses

export const QuoteVariantSchema = z
  .object({
    seconds: z.int(),
    size: z.string(),
    count: z.int().meta({ description: 'Items of the model at this length and size.' }),
    credits_per_second: z.int().meta({ description: "The model's price per second at this size." }),
    price_credits: z.int().meta({ description: '`credits_per_second × seconds`: each item.' }),
    subtotal_credits: z.int().meta({ description: '`count × price_credits`.' }),
  })
  .meta({ id: 'QuoteVariant' });

export const QuoteLineSchema = z
  .object({
    model: z.string(),
    count: z.int(),
    price_credits: z.int().nullable().meta({
      description:
        "Credits per video of this model: always for a flat price; for a per-second price when all of the model's items cost the same, else null (see `variants`).",
    }),
    subtotal_credits: z.int().meta({ description: "Σ the prices of this model's items." }),
    pricing: z.enum(['per_video', 'per_second']).optional().meta({
      description:
        'How the model is priced: one price per video, or credits per second of output for each size (an item costs `credits_per_second × seconds`). In quotes and admission answers; a batch read lists one line per model and admitted price without it.',
    }),
    variants: z.array(QuoteVariantSchema).optional().meta({
      description:
        'Per-second prices only: one entry per length and size the batch asks for, in order of first appearance; their subtotals add up to the line’s.',
    }),
  })
  .meta({ id: 'QuoteLine' });

const quoteFields = {
  total_count: z.int(),
  cost_per_video: z.int().nullable().meta({
    description: 'Credits per video when all items cost the same, else null (see `breakdown`).',
  }),
  required_credits: z.int().meta({ description: 'Σ price(item): what the batch pre-deducts.' }),
  available_credits: z.int().meta({
    description:
      'Balance minus credits reserved by admitted, not-yet-started batches, before this batch.',
  }),
  breakdown: z.array(QuoteLineSchema).meta({
    description:
      'Per-model count, price and subtotal; for a per-second price, the lengths and sizes too.',
  }),
};

export const BatchAdmittedSchema = z
  .object({
    ok: z.literal(true),
    batch_id: z.uuid(),
    ...quoteFields,
    status: z.literal('queued'),
    request_id: z.string(),
    balance_snapshot: z
      .literal(true)
      .meta({ description: '`available_credits` is a snapshot taken at admission.' }),
    enqueue: z.literal('queued').meta({ description: 'The batch is queued for the worker.' }),
  })
  .meta({ id: 'BatchAdmitted' });

export type BatchAdmitted = z.infer<typeof BatchAdmittedSchema>;

export const RetryAdmittedSchema = BatchAdmittedSchema.extend({
  retried_from_batch_id: z
    .uuid()
    .meta({ description: 'The batch whose failed tasks this new batch runs again.' }),
}).meta({ id: 'RetryAdmitted' });

export const QuoteResponseSchema = z
  .object({
    ok: z.literal(true),
    ...quoteFields,
    balance: z.int(),
    reserved_credits: z.int(),
    budgets: z.array(QuoteBudgetSchema).meta({
      description:
        'Every budget cap the batch would count against this month (its key’s, its project’s, the account’s), with `would_exceed`: the quote reports every cap it would hit.',
    }),
    would_admit: z.boolean().meta({
      description:
        'Whether the same request would be admitted now: the account can pay and no hard cap would be crossed (else 402).',
    }),
    shortfall_credits: z
      .int()
      .meta({ description: 'Credits missing for admission; 0 when it would be admitted.' }),
  })
  .meta({ id: 'QuoteResponse' });

export const BatchStatusSchema = z.enum(BATCH_STATUSES);
export const SettlementStatusSchema = z.enum(SETTLEMENT_STATUSES);
export const TaskStatusSchema = z.enum(TASK_STATUSES);

/** Where a task's video stands (`video_status`). */
export const VIDEO_STATUSES = ['none', 'stored', 'expired', 'external'] as const;
export type VideoStatus = (typeof VIDEO_STATUSES)[number];

/** How one event of a batch stands with the client's webhook (batches/webhook-deliveries.ts). */
export const BatchWebhookDeliverySchema = z
  .object({
    delivery_id: z
      .uuid()
      .meta({ description: 'Every attempt: `GET /webhook-deliveries/{delivery_id}`.' }),
    event_id: z.string().meta({ description: 'The `webhook-id` the event is sent with.' }),
    event_type: z.enum(WEBHOOK_EVENT_TYPES),
    status: z.enum(DELIVERY_STATUSES).meta({
      description:
        '`pending` while attempts remain, `delivered` on a 2xx answer, `failed` when the retry schedule is exhausted.',
    }),
    attempt_count: z.int().meta({ description: 'Attempts made so far.' }),
    last_attempt_at: TimestampSchema.nullable(),
    last_status_code: z
      .int()
      .nullable()
      .meta({ description: "Your endpoint's answer to the last attempt; null when none arrived." }),
    last_error: z.string().nullable().meta({
      description:
        'Why the last attempt failed (e.g. the host name did not resolve, a refused destination, a non-2xx answer); null after a success.',
    }),
    next_attempt_at: TimestampSchema.nullable().meta({
      description: 'When the next attempt is due, while `pending`.',
    }),
    delivered_at: TimestampSchema.nullable(),
  })
  .meta({ id: 'BatchWebhookDelivery' });

/** Where a batch's results are downloaded: paths on this API, authenticated with `X-API-Key`. */
export const BatchResultsSchema = z
  .object({
    manifest_csv: z.string().meta({
      description:
        'One row per task in request order: `index, task_id, prompt, model, status, error_code, error, url, sha256, size_bytes, video_status, expires_at, file`.',
      example: '/api/enterprise/video-batch/3f6c1a2b-0000-4000-8000-000000000000/manifest.csv',
    }),
    manifest_jsonl: z.string().meta({ description: 'The same rows as JSON Lines.' }),
    videos_zip: z.string().meta({
      description:
        'Every stored video of the batch in one ZIP (streamed; `file` in the manifest names each), with `manifest.csv` last.',
    }),
  })
  .meta({
    id: 'BatchResults',
    description:
      'Paths on this API (prefix the address you call it at; send your `X-API-Key`). The same in webhook events.',
  });

export const BatchSchema = z
  .object({
    ok: z.literal(true),
    batch_id: z.uuid(),
    request_id: z.string().nullable(),
    status: BatchStatusSchema,
    total_count: z.int(),
    success_count: z.int(),
    failed_count: z.int(),
    canceled_count: z.int(),
    pending_count: z.int().meta({ description: 'Tasks not yet finished.' }),
    cost_per_video: z.int().nullable(),
    required_credits: z.int(),
    frozen_credits: z.int().meta({
      description:
        'Pre-deducted when the batch starts (0 while queued). At every moment frozen_credits = credits_spent + refunded_credits + pending_credits.',
    }),
    credits_spent: z.int().meta({
      description:
        'Σ price of succeeded tasks: so far while the batch runs, the settled figure once `settlement_status` is not `pending`.',
    }),
    refunded_credits: z.int().meta({
      description:
        'Σ refunds of failed and canceled tasks (their `batch_refund` ledger entries): so far while the batch runs, final once settled.',
    }),
    pending_credits: z.int().meta({
      description:
        'Frozen credits of tasks not yet finished, still frozen: each becomes spent or refunded when its task ends. 0 while queued and once settled.',
    }),
    net_spent_credits: z.int().meta({
      description:
        'What the batch has taken from your balance: frozen − refunded (= credits_spent + pending_credits). Once settled it equals credits_spent.',
    }),
    settlement_status: SettlementStatusSchema,
    breakdown: z.array(QuoteLineSchema),
    webhook_url: z.string().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    retried_from_batch_id: z.uuid().nullable().meta({
      description:
        'The batch whose failed tasks this batch runs again (`POST /video-batch/{id}/retry-failed`); null otherwise.',
    }),
    retry_batch_ids: z.array(z.uuid()).meta({
      description: "Batches created from this one's failed tasks by `retry-failed`, oldest first.",
    }),
    results: BatchResultsSchema,
    created_at: TimestampSchema,
    started_at: TimestampSchema.nullable(),
    finished_at: TimestampSchema.nullable(),
    settled_at: TimestampSchema.nullable(),
    webhook_deliveries: z.array(BatchWebhookDeliverySchema).meta({
      description:
        "This batch's webhook events and how their delivery stands, oldest first; empty without `webhook_url` or before the first event. Not part of webhook payloads.",
    }),
  })
  .meta({ id: 'Batch' });

export type BatchView = z.infer<typeof BatchSchema>;

export const TaskSchema = z
  .object({
    task_id: z.uuid(),
    batch_index: z.int().meta({ description: '0-based position of the item in the request.' }),
    prompt: z.string(),
    model: z.string(),
    parameters: z.object({ seconds: z.int(), size: z.string() }),
    status: TaskStatusSchema,
    attempts: z.int(),
    cost_credits: z.int().meta({ description: "The task's price, pre-deducted with the batch." }),
    refunded: z.boolean().meta({
      description:
        'Whether the price went back to your balance (a `batch_refund` ledger entry): true for a failed or canceled task of a started batch.',
    }),
    video_url: z.string().nullable().meta({
      description:
        "Batchreel's stable link to the video (`GET /videos/{task_id}`, with your `X-API-Key`): it redirects to a short-lived signed download. Null until the task succeeds and once the video has expired. Tasks that succeeded before videos were kept show the provider's link.",
    }),
    video_status: z.enum(VIDEO_STATUSES).meta({
      description:
        '`stored`: kept by Batchreel, downloadable until `video_expires_at`; `expired`: deleted at the end of the retention period (`video_expired_at`); `none`: no video (the task has not succeeded); `external`: only at the provider (tasks from before videos were kept).',
    }),
    video_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable()
      .meta({
        description:
          'SHA-256 of the stored video (lower-case hex): check your download against it.',
      }),
    video_size_bytes: z.int().nullable(),
    video_content_type: z.string().nullable(),
    video_duration_seconds: z
      .number()
      .nullable()
      .meta({ description: 'Length of the video, when the provider reported it.' }),
    video_stored_at: TimestampSchema.nullable(),
    video_expires_at: TimestampSchema.nullable().meta({
      description:
        "When the video is (or was) deleted: stored time + the account's retention period.",
    }),
    video_expired_at: TimestampSchema.nullable().meta({
      description: 'When the video was deleted at the end of its retention period.',
    }),
    error_code: z.string().nullable().meta({
      description:
        'Stable code: `timeout`, `provider_error`, `content_policy`, `network_error`, `canceled`, …',
    }),
    error_message: z.string().nullable(),
    created_at: TimestampSchema,
    started_at: TimestampSchema.nullable(),
    finished_at: TimestampSchema.nullable(),
  })
  .meta({ id: 'Task' });

export const TaskPageSchema = z
  .object({
    ok: z.literal(true),
    data: z.array(TaskSchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'TaskPage' });

export const TaskListQuerySchema = z.strictObject({
  status: TaskStatusSchema.optional(),
  limit: PageLimitSchema(1000, 100),
  cursor: CursorSchema.optional(),
});

export const BatchIdParamsSchema = z.object({
  id: z.string().meta({ description: 'The `batch_id` from admission.' }),
});

/**
 * A batch in a list: the batch read without its per-model `breakdown` and its webhook deliveries
 * (read one batch for those).
 */
export const BatchSummarySchema = BatchSchema.omit({
  ok: true,
  breakdown: true,
  webhook_deliveries: true,
  retry_batch_ids: true,
  results: true,
}).meta({
  id: 'BatchSummary',
});

export const BatchPageSchema = z
  .object({
    ok: z.literal(true),
    data: z.array(BatchSummarySchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'BatchPage' });

export const BatchListQuerySchema = z.strictObject({
  id_prefix: z
    .string()
    .max(36, 'Must be at most 36 characters (a whole id).')
    .superRefine((value, ctx) => {
      const range = idPrefixRange(value);
      if ('problem' in range) ctx.addIssue({ code: 'custom', message: range.problem });
    })
    .optional()
    .meta({
      description: `Only batches whose \`batch_id\` starts with this: at least ${MIN_ID_PREFIX_HEX} hexadecimal digits, e.g. the 8 the admin and the CLI show (\`3f6c1a2b\`), up to a whole id. Case-insensitive; hyphens where a uuid has them.`,
      example: '3f6c1a2b',
    }),
  status: BatchStatusSchema.optional().meta({ description: 'Only batches in this status.' }),
  limit: PageLimitSchema(100, 20),
  cursor: CursorSchema.optional(),
});
