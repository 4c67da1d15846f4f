/**
 * Limits of the public batch API. The API enforces them (its zod schemas and body limit) and
 * documents them in its OpenAPI document; the CLI and the admin check files against the same
 * numbers before anything is sent.
 */
export const LIMITS = {
  maxItems: 10_000,
  /** Counted in Unicode code points, as the API counts them. */
  maxPromptChars: 2_000,
  maxModelIdChars: 100,
  /** Longest video an item may ask for; each model allows fewer (its catalogue entry). */
  maxSeconds: 600,
  maxWebhookUrlChars: 2_048,
  maxMetadataKeys: 50,
  maxMetadataKeyChars: 40,
  maxMetadataValueChars: 500,
  maxRequestIdChars: 255,
  /** 10,000 prompts of 2,000 characters, most of them three UTF-8 bytes, still fit. */
  maxBodyBytes: 64 * 1024 * 1024,
  maxPageSize: 1_000,
  defaultPageSize: 100,
} as const;

/** The fields of one item of a batch request, in the order files and messages list them. */
export const ITEM_FIELDS = ['prompt', 'model', 'seconds', 'size'] as const;
export type ItemField = (typeof ITEM_FIELDS)[number];

/** A frame size as items give it: `WIDTHxHEIGHT`, e.g. `1280x720`. */
export const ITEM_SIZE_PATTERN = /^\d{2,5}x\d{2,5}$/;
