/** Limits of the public batch API: documented in the OpenAPI document and enforced by the schemas. */
export const LIMITS = {
  maxItems: 10_000,
  maxPromptChars: 2_000,
  maxModelIdChars: 100,
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
