import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com) for Batchreel: the server signs with it,
 * clients verify with it. Any other Standard Webhooks implementation verifies our deliveries too;
 * the test suite proves that against the `standardwebhooks` package.
 *
 * The signed content is `${webhook-id}.${webhook-timestamp}.${raw body}`, the MAC is
 * HMAC-SHA256 keyed with the base64-decoded part of the `whsec_` secret, and
 * `webhook-signature` is a space-separated list of `v1,<base64 MAC>`: one per active secret, so
 * during a rotation a receiver holding either the old or the new secret accepts the delivery.
 */

export const SECRET_PREFIX = 'whsec_';
/** How far a delivery's timestamp may be from the receiver's clock (replay protection). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export const WEBHOOK_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

export type WebhookVerificationErrorCode =
  | 'missing_header'
  | 'invalid_timestamp'
  | 'timestamp_out_of_tolerance'
  | 'invalid_secret'
  | 'no_matching_signature';

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    readonly code: WebhookVerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  // Node's base64 decoder skips junk instead of failing; re-encoding catches a mangled secret.
  if (key.length < 16 || key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')) {
    throw new WebhookVerificationError(
      'invalid_secret',
      `The signing secret is not a ${SECRET_PREFIX}<base64> secret.`,
    );
  }
  return key;
}

/** base64 HMAC-SHA256 of `id.timestamp.body` with one secret. */
export function computeSignature(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Uint8Array,
): string {
  return createHmac('sha256', secretKey(secret))
    .update(`${id}.${timestampSeconds}.`)
    .update(body)
    .digest('base64');
}

export interface SignInput {
  id: string;
  /** Unix seconds; defaults to now. */
  timestampSeconds?: number;
  body: string;
  /** Every secret currently valid for the account; each contributes one `v1,` signature. */
  secrets: readonly string[];
}

/** The three Standard Webhooks headers for one delivery attempt. */
export function signWebhook(
  input: SignInput,
): Record<(typeof WEBHOOK_HEADERS)[keyof typeof WEBHOOK_HEADERS], string> {
  const timestamp = input.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const signatures = input.secrets.map(
    (secret) => `v1,${computeSignature(secret, input.id, timestamp, input.body)}`,
  );
  return {
    [WEBHOOK_HEADERS.id]: input.id,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signatures.join(' '),
  };
}

type HeaderSource =
  | { get(name: string): string | null }
  | Record<string, string | readonly string[] | undefined>;

function header(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  const key = Object.keys(record).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

export interface VerifyInput {
  /** The raw request body exactly as received: verify before parsing JSON. */
  body: string | Uint8Array;
  /** Request headers: a `Headers` object or a plain record (Node, Express, Fastify). */
  headers: HeaderSource;
  /** Your `whsec_` secret; pass several while you roll a rotation over. */
  secret: string | readonly string[];
  toleranceSeconds?: number;
  /** The receiver's clock (tests). */
  now?: Date;
}

export interface VerifiedWebhook<Payload> {
  id: string;
  timestamp: Date;
  payload: Payload;
}

/**
 * Verifies a delivery and returns its parsed payload, or throws `WebhookVerificationError`.
 * Use the `id` to ignore duplicates: a retried or redelivered event keeps its id.
 */
export function verifyWebhook<Payload = unknown>(input: VerifyInput): VerifiedWebhook<Payload> {
  const id = header(input.headers, WEBHOOK_HEADERS.id);
  const timestampText = header(input.headers, WEBHOOK_HEADERS.timestamp);
  const signatureText = header(input.headers, WEBHOOK_HEADERS.signature);
  if (!id || !timestampText || !signatureText) {
    throw new WebhookVerificationError(
      'missing_header',
      'Missing webhook-id, webhook-timestamp or webhook-signature header.',
    );
  }
  if (!/^\d{1,12}$/.test(timestampText)) {
    throw new WebhookVerificationError(
      'invalid_timestamp',
      'webhook-timestamp is not Unix seconds.',
    );
  }
  const timestamp = Number(timestampText);
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      'timestamp_out_of_tolerance',
      `webhook-timestamp is more than ${tolerance} s away from now (replayed or a skewed clock).`,
    );
  }
  const presented = signatureText
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  const matches = secrets.some((secret) => {
    const expected = Buffer.from(computeSignature(secret, id, timestamp, input.body), 'base64');
    return presented.some(
      (candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected),
    );
  });
  if (!matches) {
    throw new WebhookVerificationError(
      'no_matching_signature',
      'No signature matches: wrong secret, or the body was changed (verify the raw bytes).',
    );
  }
  const text =
    typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8');
  return { id, timestamp: new Date(timestamp * 1000), payload: JSON.parse(text) as Payload };
}
