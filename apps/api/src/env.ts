import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The embedded PostgreSQL's port unless EMBEDDED_PG_PORT says otherwise (or another has it). */
export const DEFAULT_EMBEDDED_PG_PORT = 54_329;

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5s,5m,2h` → milliseconds; null for anything else. */
export function parseRetrySchedule(text: string): number[] | null {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > 20) return null;
  const delays: number[] = [];
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(part);
    if (!match) return null;
    const ms = Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
    if (!Number.isFinite(ms) || ms > 7 * 24 * 3_600_000) return null;
    delays.push(Math.round(ms));
  }
  return delays;
}

/** An API key or token: no whitespace (a pasted newline would be sent as part of the header). */
const secret = z.string().regex(/^\S+$/, 'must not contain whitespace');
/** Pause between status polls of one provider job. */
const pollMs = (fallback: number) => z.coerce.number().int().min(10).max(600_000).default(fallback);
/** Budget of one attempt (submit until done) while the executor calls `generate()`. */
const attemptMs = z.coerce.number().int().min(1000).max(7_200_000).default(900_000);

/** Each live provider's base URL needs its key: a URL alone would silently register nothing. */
const PROVIDER_KEYS = [
  ['FAL_BASE_URL', 'FAL_KEY'],
  ['REPLICATE_BASE_URL', 'REPLICATE_API_TOKEN'],
  ['RUNWAY_BASE_URL', 'RUNWAYML_API_SECRET'],
  ['GEMINI_BASE_URL', 'GEMINI_API_KEY'],
] as const;

/**
 * Configuration of the API and worker processes, validated once at start-up. Names are fixed by
 * docs/product.md §2; nothing else in the app reads `process.env`.
 */
const envFields = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  SEED_DEMO: booleanString.default(true),
  ADMIN_EMAIL: z
    .email()
    .transform((e) => e.toLowerCase())
    .optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: booleanString.default(false),
  /**
   * Serve the demo webhook receiver (`/demo/webhook-receiver/…`) and let webhooks reach it, and
   * nothing else on this machine. Unset: on exactly when `SEED_DEMO` is (see `demoReceiverEnabled`).
   */
  DEMO_WEBHOOK_RECEIVER: booleanString.optional(),
  /** Whole-attempt budget of one webhook delivery (connect, send, answer). */
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /**
   * Delays before each retry of a failed delivery, e.g. `5s,5m,30m,2h,5h,10h,10h` (the default:
   * 8 attempts over 27.6 hours). Each delay gets ±20 % jitter.
   */
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .transform((text, ctx) => {
      const delays = parseRetrySchedule(text);
      if (!delays) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be comma-separated durations such as 5s,5m,2h (ms, s, m, h; at most 20)',
        });
        return z.NEVER;
      }
      return delays;
    })
    .default(parseRetrySchedule('5s,5m,30m,2h,5h,10h,10h') ?? []),
  /**
   * Ed25519 private key (PKCS#8 PEM; `\n` escapes allowed) that signs settlement statements. Set
   * the same key on every API process; unset, one is generated and kept in DATA_DIR.
   */
  STATEMENT_SIGNING_KEY: z.string().min(1).optional(),
  /** Webhook deliveries one worker process attempts at once. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  SIMULATOR_LATENCY_MS: z.coerce.number().int().min(0).max(600_000).default(400),
  /** Per-attempt timeout of the simulator; `[sim:timeout]` exceeds it. */
  SIMULATOR_TIMEOUT_MS: z.coerce.number().int().min(10).max(600_000).default(2000),
  /** Attempts a task gets for transient errors before it finally fails (and is refunded). */
  TASK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** First retry delay of a task; doubles per attempt. */
  TASK_RETRY_BASE_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  /** Task jobs one worker fetches per poll, and the number of fetch loops per worker process. */
  WORKER_TASK_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(250),
  WORKER_TASK_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /** Seconds a worker waits between fetches (pg-boss's polling interval; 0.5 is its minimum). */
  WORKER_POLL_SECONDS: z.coerce.number().min(0.5).max(60).default(0.5),
  /** The address clients reach this service at (links in responses, e.g. simulated videos). */
  PUBLIC_BASE_URL: z.url().optional(),
  /** An OpenAI-style videos API (create, poll, fetch content); registered as provider `openai`. */
  OPENAI_VIDEOS_BASE_URL: z.url().optional(),
  OPENAI_VIDEOS_API_KEY: z.string().min(1).optional(),
  OPENAI_VIDEOS_TIMEOUT_MS: z.coerce.number().int().min(1000).max(1_500_000).default(600_000),
  OPENAI_VIDEOS_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(5000),
  /** JSON object: catalogue model id → the provider's model id, e.g. {"sora-2":"sora-2-pro"}. */
  OPENAI_VIDEOS_MODEL_MAP: z
    .string()
    .transform((text, ctx) => {
      try {
        return z.record(z.string(), z.string()).parse(JSON.parse(text));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a JSON object of model id → provider model id',
        });
        return z.NEVER;
      }
    })
    .optional(),
  // Live video providers (docs/providers.md). Each registers when its key is set; its base URL
  // defaults to the provider's own API, and a base URL without its key is refused.
  /** fal.ai queue API: `key_id:key_secret`; registered as provider `fal`. */
  FAL_KEY: secret.optional(),
  /** fal's queue host; default `https://queue.fal.run`. */
  FAL_BASE_URL: z.url().optional(),
  FAL_POLL_MS: pollMs(2000),
  FAL_TIMEOUT_MS: attemptMs,
  /** Replicate predictions API token; registered as provider `replicate`. */
  REPLICATE_API_TOKEN: secret.optional(),
  /** Default `https://api.replicate.com/v1`. */
  REPLICATE_BASE_URL: z.url().optional(),
  REPLICATE_POLL_MS: pollMs(2000),
  REPLICATE_TIMEOUT_MS: attemptMs,
  /** Runway API secret; registered as provider `runway`. */
  RUNWAYML_API_SECRET: secret.optional(),
  /** Default `https://api.dev.runwayml.com`. */
  RUNWAY_BASE_URL: z.url().optional(),
  /** Sent as `X-Runway-Version`, which the API requires. */
  RUNWAY_API_VERSION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2024-11-06')
    .default('2024-11-06'),
  /** Runway asks for at most one status request per task every 5 s. */
  RUNWAY_POLL_MS: pollMs(6000),
  RUNWAY_TIMEOUT_MS: attemptMs,
  /** Gemini API key (Gemini Omni video through Interactions); registered as provider `gemini`. */
  GEMINI_API_KEY: secret.optional(),
  /** Default `https://generativelanguage.googleapis.com`. */
  GEMINI_BASE_URL: z.url().optional(),
  GEMINI_API_VERSION: z
    .string()
    .regex(/^v\d+(alpha|beta)?\d*$/, 'must be an API version such as v1beta')
    .default('v1beta'),
  /** Sent as `Api-Revision` when set, pinning the response envelope (e.g. `2026-05-20`). */
  GEMINI_API_REVISION: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-05-20')
    .optional(),
  /** `uri`: a Files API link fetched with the key; `inline`: base64 inside the answer. */
  GEMINI_VIDEO_DELIVERY: z
    .enum(['uri', 'inline'], { error: 'must be uri or inline' })
    .default('uri'),
  GEMINI_POLL_MS: pollMs(5000),
  GEMINI_TIMEOUT_MS: attemptMs,
  /** How long one HTTP request to a live provider may wait for its answer. */
  PROVIDER_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** Requests per minute per API key on the public REST API. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Bearer token that `GET /metrics` requires; unset leaves it open (restrict it at the network). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * `json`: JSON lines for machines. `pretty`: readable lines and a start-up banner (admin URL,
   * sign-in, demo key) for people. Unset: pretty when stdout is a terminal, JSON otherwise.
   */
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'must be json or pretty' }).optional(),
  /** https://no-color.org: set (not empty), the readable output has no colours. */
  NO_COLOR: z
    .string()
    .optional()
    .transform((value) => value !== undefined),
  // Durable outputs (docs/storage.md): where every succeeded video is kept and how it is served.
  /** `filesystem`: files under STORAGE_DIR (one machine); `s3`: any S3-compatible bucket. */
  STORAGE_DRIVER: z
    .enum(['filesystem', 's3'], { error: 'must be filesystem or s3' })
    .default('filesystem'),
  /** The filesystem store's directory; default `DATA_DIR/storage`. */
  STORAGE_DIR: z.string().min(1).optional(),
  /**
   * Key of the API's signed download URLs (filesystem store), ≥ 32 characters; the same on every
   * API process. Unset: one is generated once and kept in DATA_DIR.
   */
  STORAGE_SIGNING_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long a signed download URL works. */
  STORAGE_URL_TTL_SECONDS: z.coerce.number().int().min(10).max(604_800).default(300),
  /** Deadline of one copy of a finished video into the store (download and write). */
  STORAGE_COPY_TIMEOUT_MS: z.coerce.number().int().min(1000).max(7_200_000).default(600_000),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name (3–63 characters)')
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** An S3-compatible service (MinIO, R2, …); unset: AWS. */
  S3_ENDPOINT: z.url().optional(),
  /** Both or neither; neither: the AWS SDK's default credential chain. */
  S3_ACCESS_KEY_ID: secret.optional(),
  S3_SECRET_ACCESS_KEY: secret.optional(),
  /** `https://host/bucket/key` addressing, which most self-hosted stores need. */
  S3_FORCE_PATH_STYLE: booleanString.default(false),
  /** Prepended to every object key, e.g. `batchreel/`. */
  S3_PREFIX: z
    .string()
    .regex(
      /^([A-Za-z0-9][A-Za-z0-9._-]*\/)+$/,
      'must be path segments ending in /, e.g. batchreel/',
    )
    .optional(),
  /** Uploads one process runs at once (each holds one 5 MiB part in memory). */
  S3_MAX_CONCURRENT_UPLOADS: z.coerce.number().int().min(1).max(256).default(8),
  /** Where the embedded PostgreSQL cluster and local state live when DATABASE_URL is unset. */
  DATA_DIR: z.string().min(1).default(join(REPO_ROOT, '.data')),
  /**
   * Port of the embedded PostgreSQL. Set, it is required: a port another server holds stops the
   * start. Unset, DEFAULT_EMBEDDED_PG_PORT is preferred and a taken one is replaced by a free
   * port, recorded in the cluster's directory.
   */
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
});

export const envSchema = envFields.superRefine((env, ctx) => {
  for (const [url, key] of PROVIDER_KEYS) {
    if (env[url] && !env[key]) {
      ctx.addIssue({ code: 'custom', path: [url], message: `is set but ${key} is not` });
    }
  }
  if (env.STORAGE_DRIVER === 's3' && !env.S3_BUCKET) {
    ctx.addIssue({
      code: 'custom',
      path: ['S3_BUCKET'],
      message: 'is required with STORAGE_DRIVER=s3',
    });
  }
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    ctx.addIssue({
      code: 'custom',
      path: [env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'],
      message: 'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together',
    });
  }
});

export type Env = z.infer<typeof envSchema>;

/** Whether the demo webhook receiver runs: `DEMO_WEBHOOK_RECEIVER`, else with the demo data. */
export const demoReceiverEnabled = (env: Env) => env.DEMO_WEBHOOK_RECEIVER ?? env.SEED_DEMO;

/** Thrown for a bad configuration; its message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses an environment (defaults to `process.env`); throws `ConfigError` naming bad variables. */
export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // An empty variable means "unset", as shells and .env files commonly write it.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
