import { LIMITS } from '@batchreel/contracts';
import { createAccount, createModel } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/accounts/api-keys';
import type { ErrorCode } from '../src/http/errors';
import { startTestApp, type TestApp } from './helpers';
import { encodeCursor } from './support/cursors';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import {
  expectComponent,
  expectConformance,
  loadOpenApi,
  type OpenApiDoc,
  requestAndCheck,
} from './support/openapi';

const CREATE = '/api/enterprise/video-batch';
const QUOTE = '/api/enterprise/video-batch/quote';
const TASKS = '/api/enterprise/video-batch/{id}/tasks';
const LEDGER = '/api/enterprise/ledger';

interface ErrorBody {
  ok: boolean;
  error: { code: string; message: string; details: { path: string; message: string }[] };
  request_id: string;
  required_credits?: number;
  available_credits?: number;
}

/** Filled in `beforeAll`: what some cases need but only the running app knows. */
const ctx = {
  batchId: '',
  revokedKey: '',
  suspendedKey: '',
};

interface BadRequest {
  name: string;
  method?: 'GET' | 'POST';
  /** Defaults to `POST /api/enterprise/video-batch`; a function when it needs `ctx`. */
  path?: string | (() => string);
  template?: string;
  /** `demo-key` unless given; `null` sends no key. */
  apiKey?: string | null | (() => string);
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: string | Uint8Array;
  status: number;
  code: ErrorCode;
  /** A `details[].path` that must be present: where the problem is. */
  detail?: string | RegExp;
  /** What the message of that detail must say (it names the broken rule, not another one). */
  detailMessage?: RegExp;
  /** More to check on this refusal. */
  also?: (body: ErrorBody) => void;
}

const item = (overrides: Record<string, unknown> = {}) => ({
  prompt: 'A cat playing piano',
  model: 'sora-2',
  ...overrides,
});
const batch = (overrides: Record<string, unknown> = {}) => ({ items: [item()], ...overrides });
const withItem = (overrides: Record<string, unknown>) => ({ items: [item(overrides)] });
const items = (count: number) => ({ items: Array.from({ length: count }, () => item()) });
/** A body sent exactly as written, declared as JSON. */
const json = (rawBody: string) => ({ rawBody, headers: { 'content-type': 'application/json' } });
const metadataWith = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, 'v']));
const tasksOf = (query: string) => ({
  method: 'GET' as const,
  path: () => `/api/enterprise/video-batch/${ctx.batchId}/tasks?${query}`,
  template: TASKS,
});
const ledger = (query: string) => ({
  method: 'GET' as const,
  path: `${LEDGER}?${query}`,
  template: LEDGER,
});
/** `{"items":[],"pad":"xxx…"}` of exactly `bytes` bytes, built in one allocation. */
const bodyOfBytes = (bytes: number) => {
  const head = '{"items":[],"pad":"';
  return `${head}${'x'.repeat(bytes - head.length - 2)}"}`;
};
const deeplyNested = (depth: number) =>
  `{"items":[{"prompt":"a","model":"sora-2","x":${'['.repeat(depth)}${']'.repeat(depth)}}]}`;

const CASES: BadRequest[] = [
  // --- Malformed JSON ---------------------------------------------------------------------------
  { name: 'truncated JSON', ...json('{"items": ['), status: 400, code: 'invalid_json' },
  {
    name: 'trailing comma',
    ...json('{"items": [{"prompt": "a", "model": "sora-2"},]}'),
    status: 400,
    code: 'invalid_json',
  },
  { name: 'single quotes', ...json("{'items': []}"), status: 400, code: 'invalid_json' },
  { name: 'unquoted keys', ...json('{items: []}'), status: 400, code: 'invalid_json' },
  { name: 'empty body', ...json(''), status: 400, code: 'invalid_json' },
  { name: 'whitespace-only body', ...json('   \n '), status: 400, code: 'invalid_json' },
  { name: 'two JSON values', ...json('{} {}'), status: 400, code: 'invalid_json' },
  {
    name: 'NaN literal',
    ...json('{"items": [{"prompt": "a", "model": "sora-2", "seconds": NaN}]}'),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'comment in JSON',
    ...json('{"items": [] /* none */}'),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: '__proto__ key (prototype pollution attempt)',
    ...json('{"items": [{"prompt": "a", "model": "sora-2"}], "__proto__": {"admin": true}}'),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'constructor.prototype key (prototype pollution attempt)',
    ...json(
      '{"items": [{"prompt": "a", "model": "sora-2"}], "constructor": {"prototype": {"admin": true}}}',
    ),
    status: 400,
    code: 'invalid_json',
  },

  // --- Well-formed JSON that is not a request object ---------------------------------------------
  { name: 'JSON null', ...json('null'), status: 422, code: 'invalid_request', detail: '' },
  { name: 'JSON array', ...json('[]'), status: 422, code: 'invalid_request', detail: '' },
  {
    name: 'bare JSON string',
    ...json('"hello"'),
    status: 422,
    code: 'invalid_request',
    detail: '',
  },
  { name: 'bare JSON number', ...json('42'), status: 422, code: 'invalid_request', detail: '' },
  { name: 'empty object', body: {}, status: 422, code: 'invalid_request', detail: 'items' },

  // --- Content type ------------------------------------------------------------------------------
  {
    name: 'text/plain body',
    rawBody: JSON.stringify(batch()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form-urlencoded body',
    rawBody: 'items=cat&model=sora-2',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type with a body',
    rawBody: new TextEncoder().encode(JSON.stringify(batch())),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'application/xml body',
    rawBody: '<items/>',
    headers: { 'content-type': 'application/xml' },
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'multipart/form-data body',
    rawBody: '--x\r\nContent-Disposition: form-data; name="items"\r\n\r\n[]\r\n--x--\r\n',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    status: 415,
    code: 'unsupported_media_type',
  },

  // --- API key -----------------------------------------------------------------------------------
  { name: 'missing API key', apiKey: null, body: batch(), status: 401, code: 'missing_api_key' },
  { name: 'empty API key', apiKey: '', body: batch(), status: 401, code: 'missing_api_key' },
  {
    name: 'unknown API key',
    apiKey: 'br_live_000000000000000000000000000000000000000',
    body: batch(),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'revoked API key',
    apiKey: () => ctx.revokedKey,
    body: batch(),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'key of a suspended account',
    apiKey: () => ctx.suspendedKey,
    body: batch(),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'API key of 5,000 characters',
    apiKey: 'k'.repeat(5000),
    body: batch(),
    status: 401,
    code: 'invalid_api_key',
  },
  {
    name: 'missing key AND malformed body: auth comes first',
    apiKey: null,
    ...json('{"items": ['),
    status: 401,
    code: 'missing_api_key',
  },

  // --- items -------------------------------------------------------------------------------------
  {
    name: 'empty items',
    body: { items: [] },
    status: 422,
    code: 'invalid_request',
    detail: 'items',
  },
  {
    name: '10,001 items',
    body: items(LIMITS.maxItems + 1),
    status: 422,
    code: 'invalid_request',
    detail: 'items',
  },
  {
    name: 'items as object',
    body: { items: item() },
    status: 422,
    code: 'invalid_request',
    detail: 'items',
  },
  {
    name: 'items null',
    body: { items: null },
    status: 422,
    code: 'invalid_request',
    detail: 'items',
  },
  {
    name: 'item as string',
    body: { items: ['A cat playing piano'] },
    status: 422,
    code: 'invalid_request',
    detail: 'items[0]',
  },
  {
    name: 'item as array',
    body: { items: [['A cat', 'sora-2']] },
    status: 422,
    code: 'invalid_request',
    detail: 'items[0]',
  },
  {
    name: 'unknown item field',
    body: withItem({ style: 'noir' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].style',
  },
  {
    name: 'problem in the third item is located there',
    body: { items: [item(), item(), item({ model: 'no-such-model' })] },
    status: 422,
    code: 'invalid_request',
    detail: 'items[2].model',
  },

  // --- model -------------------------------------------------------------------------------------
  {
    name: 'missing model',
    body: { items: [{ prompt: 'A cat' }] },
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'unknown model',
    body: withItem({ model: 'sora-3000' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'disabled model',
    body: withItem({ model: 'retired-model' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'model as number',
    body: withItem({ model: 2 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'model empty',
    body: withItem({ model: '' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'model id of 101 characters',
    body: withItem({ model: 'm'.repeat(LIMITS.maxModelIdChars + 1) }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'model id with a NUL character',
    body: withItem({ model: 'sora-2\u0000' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },

  // --- prompt ------------------------------------------------------------------------------------
  {
    name: 'missing prompt',
    body: { items: [{ model: 'sora-2' }] },
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'prompt as number',
    body: withItem({ prompt: 42 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'prompt null',
    body: withItem({ prompt: null }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'empty prompt',
    body: withItem({ prompt: '' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'whitespace prompt',
    body: withItem({ prompt: ' \t\n ' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'prompt of 2,001 characters',
    body: withItem({ prompt: 'p'.repeat(LIMITS.maxPromptChars + 1) }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'prompt with a NUL character',
    body: withItem({ prompt: 'A cat\u0000 playing piano' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'prompt with a lone surrogate',
    ...json('{"items": [{"prompt": "A cat \\ud800 playing", "model": "sora-2"}]}'),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },

  // --- seconds and size --------------------------------------------------------------------------
  {
    name: 'seconds not allowed for the model (5)',
    body: withItem({ seconds: 5 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
  },
  {
    name: 'seconds not an integer',
    body: withItem({ seconds: 4.5 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
  },
  {
    name: 'seconds as string',
    body: withItem({ seconds: '4' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
  },
  {
    name: 'seconds negative',
    body: withItem({ seconds: -4 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
    // -4 is an integer: the message must name the rule it breaks (positive / allowed values).
    detailMessage: /positive|0|4, 8, 12/i,
  },
  {
    name: 'seconds overflowing to Infinity',
    ...json('{"items": [{"prompt": "a", "model": "sora-2", "seconds": 1e400}]}'),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
  },
  {
    name: 'size not allowed for the model',
    body: withItem({ size: '1920x1080' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].size',
  },
  {
    name: 'size malformed',
    body: withItem({ size: 'big' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].size',
  },
  {
    name: 'size as number',
    body: withItem({ size: 1280 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].size',
  },

  // --- webhook_url -------------------------------------------------------------------------------
  {
    name: 'webhook_url not a URL',
    body: batch({ webhook_url: 'not a url' }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },
  {
    name: 'webhook_url ftp:',
    body: batch({ webhook_url: 'ftp://customer.example/hook' }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },
  {
    name: 'webhook_url javascript:',
    body: batch({ webhook_url: 'javascript:alert(1)' }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },
  {
    name: 'webhook_url relative',
    body: batch({ webhook_url: '/webhook' }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },
  {
    name: 'webhook_url with credentials',
    body: batch({ webhook_url: 'https://user:secret@customer.example/webhook' }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },
  {
    name: 'webhook_url over 2,048 characters',
    body: batch({
      webhook_url: `https://customer.example/${'w'.repeat(LIMITS.maxWebhookUrlChars)}`,
    }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
    // It is an absolute https URL, just too long: say so.
    detailMessage: /2,?048|long|characters/i,
  },
  {
    name: 'webhook_url with a NUL character',
    body: batch({ webhook_url: 'https://customer.example/hook\u0000' }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },
  {
    name: 'webhook_url as number',
    body: batch({ webhook_url: 443 }),
    status: 422,
    code: 'invalid_request',
    detail: 'webhook_url',
  },

  // --- top level and metadata --------------------------------------------------------------------
  {
    name: 'unknown top-level field',
    body: batch({ priority: 'high' }),
    status: 422,
    code: 'invalid_request',
    detail: 'priority',
  },
  {
    name: 'metadata as array',
    body: batch({ metadata: ['a', 'b'] }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata',
  },
  {
    name: 'metadata as string',
    body: batch({ metadata: 'campaign=spring' }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata',
  },
  {
    name: 'metadata value as number',
    body: batch({ metadata: { campaign: 2026 } }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata.campaign',
  },
  {
    name: 'metadata value as object',
    body: batch({ metadata: { campaign: { name: 'spring' } } }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata.campaign',
  },
  {
    name: 'metadata with 51 keys',
    body: batch({ metadata: metadataWith(LIMITS.maxMetadataKeys + 1) }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata',
  },
  {
    name: 'metadata key of 41 characters',
    body: batch({ metadata: { ['k'.repeat(LIMITS.maxMetadataKeyChars + 1)]: 'v' } }),
    status: 422,
    code: 'invalid_request',
    detail: /^metadata/,
  },
  {
    name: 'metadata value of 501 characters',
    body: batch({ metadata: { note: 'v'.repeat(LIMITS.maxMetadataValueChars + 1) } }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata.note',
  },
  {
    name: 'metadata key with a NUL character',
    body: batch({ metadata: { 'a\u0000b': 'v' } }),
    status: 422,
    code: 'invalid_request',
    detail: /^metadata/,
  },
  {
    name: 'metadata value with a NUL character',
    body: batch({ metadata: { note: 'a\u0000b' } }),
    status: 422,
    code: 'invalid_request',
    detail: 'metadata.note',
  },
  {
    name: 'deeply nested JSON in an unknown field',
    ...json(deeplyNested(100_000)),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].x',
  },

  // --- X-Request-ID ------------------------------------------------------------------------------
  {
    name: 'X-Request-ID of 256 characters',
    headers: { 'x-request-id': 'r'.repeat(LIMITS.maxRequestIdChars + 1) },
    body: batch(),
    status: 422,
    code: 'invalid_request',
    detail: 'headers.x-request-id',
  },
  {
    name: 'X-Request-ID with a space',
    headers: { 'x-request-id': 'order 42' },
    body: batch(),
    status: 422,
    code: 'invalid_request',
    detail: 'headers.x-request-id',
  },
  {
    name: 'X-Request-ID with non-ASCII',
    headers: { 'x-request-id': 'commande-\u00e9t\u00e9' },
    body: batch(),
    status: 422,
    code: 'invalid_request',
    detail: 'headers.x-request-id',
  },
  {
    name: 'valid X-Request-ID on a refused body is echoed',
    headers: { 'x-request-id': 'refused-then-fixed-1' },
    body: withItem({ seconds: 5 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
    also: (body) => expect(body.request_id).toBe('refused-then-fixed-1'),
  },
  {
    name: 'X-Request-ID empty',
    headers: { 'x-request-id': '' },
    body: batch(),
    status: 422,
    code: 'invalid_request',
    detail: 'headers.x-request-id',
  },

  // --- size and money ----------------------------------------------------------------------------
  {
    name: 'body one byte over the limit',
    ...json(bodyOfBytes(LIMITS.maxBodyBytes + 1)),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'more than the account can pay',
    body: items(600),
    status: 402,
    code: 'insufficient_credits',
    // 5,000 granted − 30 reserved by the batch admitted in beforeAll.
    also: (body) => expect(body).toMatchObject({ required_credits: 6000, available_credits: 4970 }),
  },

  // --- POST /quote: the same validation ----------------------------------------------------------
  {
    name: 'quote: truncated JSON',
    path: QUOTE,
    ...json('{"items": [{"prompt"'),
    status: 400,
    code: 'invalid_json',
  },
  {
    name: 'quote: empty items',
    path: QUOTE,
    body: { items: [] },
    status: 422,
    code: 'invalid_request',
    detail: 'items',
  },
  {
    name: 'quote: unknown model',
    path: QUOTE,
    body: withItem({ model: 'sora-3000' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'quote: seconds not allowed',
    path: QUOTE,
    body: withItem({ seconds: 5 }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].seconds',
  },
  {
    name: 'quote: prompt with a NUL character',
    path: QUOTE,
    body: withItem({ prompt: 'A cat\u0000 playing piano' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].prompt',
  },
  {
    name: 'quote: model id with a NUL character',
    path: QUOTE,
    body: withItem({ model: 'sora-2\u0000' }),
    status: 422,
    code: 'invalid_request',
    detail: 'items[0].model',
  },
  {
    name: 'quote: missing API key',
    path: QUOTE,
    apiKey: null,
    body: batch(),
    status: 401,
    code: 'missing_api_key',
  },
  {
    name: 'quote: text/plain body',
    path: QUOTE,
    rawBody: JSON.stringify(batch()),
    headers: { 'content-type': 'text/plain' },
    status: 415,
    code: 'unsupported_media_type',
  },

  // --- GET /video-batch/{id}/tasks ---------------------------------------------------------------
  // 0 and 1001 are integers: the message must name the range, not "Must be an integer."
  {
    name: 'tasks: limit=0',
    ...tasksOf('limit=0'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
    detailMessage: /1/,
  },
  {
    name: 'tasks: limit=1001',
    ...tasksOf('limit=1001'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
    detailMessage: /1,?000/,
  },
  {
    name: 'tasks: limit=abc',
    ...tasksOf('limit=abc'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
  },
  {
    name: 'tasks: limit=1.5',
    ...tasksOf('limit=1.5'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
  },
  {
    name: 'tasks: limit twice',
    ...tasksOf('limit=1&limit=2'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
  },
  {
    name: 'tasks: unknown status',
    ...tasksOf('status=done'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.status',
  },
  {
    name: 'tasks: unknown cursor',
    ...tasksOf('cursor=zzz'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'tasks: cursor of 201 characters',
    ...tasksOf(`cursor=${'c'.repeat(201)}`),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'tasks: a ledger cursor',
    ...tasksOf(`cursor=${encodeCursor('12')}`),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'tasks: forged cursor past the int range',
    ...tasksOf(`cursor=${encodeCursor(3_000_000_000)}`),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'tasks: forged cursor of 1e20',
    ...tasksOf(`cursor=${encodeCursor(1e20)}`),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'tasks: unknown query parameter',
    ...tasksOf('sort=desc'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.sort',
  },
  {
    name: 'tasks: missing API key',
    ...tasksOf('limit=10'),
    apiKey: null,
    status: 401,
    code: 'missing_api_key',
  },

  // --- GET /ledger -------------------------------------------------------------------------------
  {
    name: 'ledger: limit=0',
    ...ledger('limit=0'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
    detailMessage: /1/,
  },
  {
    name: 'ledger: limit=1001',
    ...ledger('limit=1001'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
    detailMessage: /1,?000/,
  },
  {
    name: 'ledger: limit=abc',
    ...ledger('limit=abc'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.limit',
  },
  {
    name: 'ledger: unknown cursor',
    ...ledger('cursor=not-a-cursor'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'ledger: a tasks cursor',
    ...ledger(`cursor=${encodeCursor(5)}`),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'ledger: forged cursor past the bigint range',
    ...ledger(`cursor=${encodeCursor('9999999999999999999')}`),
    status: 422,
    code: 'invalid_request',
    detail: 'query.cursor',
  },
  {
    name: 'ledger: unknown query parameter',
    ...ledger('from=2026-01-01'),
    status: 422,
    code: 'invalid_request',
    detail: 'query.from',
  },
  {
    name: 'ledger: unknown API key',
    ...ledger('limit=10'),
    apiKey: 'nope',
    status: 401,
    code: 'invalid_api_key',
  },
];

/** Signs of internals in a body: stack frames, file positions, dependency or database names. */
const LEAKS = [
  /^\s*at .+\(.*\)$/m,
  /\bat [\w.<>]+ \(/,
  /node_modules/i,
  /prisma/i,
  /\.[cm]?[jt]s:\d+/,
  /postgres|pg_catalog|sqlstate/i,
];

describe('the bad-request corpus', () => {
  let app: TestApp;
  let doc: OpenApiDoc;
  let before: Awaited<ReturnType<typeof snapshotDatabase>>;

  beforeAll(async () => {
    app = await startTestApp();
    doc = await loadOpenApi(app.baseUrl);
    const demo = await app.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
    await createModel(app.db, { id: 'retired-model', enabled: false });

    const revoked = await createApiKey(app.db, {
      accountId: demo.id,
      name: 'Revoked',
      createdBy: 'test',
    });
    if (!revoked.ok) throw new Error(revoked.error.code);
    const revocation = await revokeApiKey(app.db, {
      keyId: revoked.value.apiKey.id,
      revokedBy: 'test',
    });
    if (!revocation.ok) throw new Error(revocation.error.code);
    ctx.revokedKey = revoked.value.secret;

    const suspended = await createAccount(app.db, { credits: 1000 });
    const suspendedKey = await createApiKey(app.db, {
      accountId: suspended.id,
      name: 'Suspended',
      createdBy: 'test',
    });
    if (!suspendedKey.ok) throw new Error(suspendedKey.error.code);
    await app.db.account.update({ where: { id: suspended.id }, data: { status: 'suspended' } });
    ctx.suspendedKey = suspendedKey.value.secret;

    const admitted = await requestAndCheck<{ batch_id: string }>(doc, app.baseUrl, {
      method: 'POST',
      path: CREATE,
      headers: { 'x-api-key': 'demo-key' },
      body: items(3),
    });
    expect(admitted.status).toBe(202);
    ctx.batchId = admitted.body.batch_id;

    before = await snapshotDatabase(app.db);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('the conformance checker rejects a wrong body and an undeclared status', () => {
    const created = { method: 'POST', path: CREATE, status: 202 };
    expect(() => expectConformance(doc, { ...created, body: { ok: true } })).toThrow(
      /does not match[\s\S]*batch_id/,
    );
    expect(() =>
      expectConformance(doc, {
        ...created,
        status: 422,
        body: { ok: false, error: { code: 'teapot', message: 'x', details: [] }, request_id: 'r' },
      }),
    ).toThrow(/\/error\/code/);
    // A valid body passes; the same body with a broken `$ref`'d part (QuoteLine) does not.
    const admitted = {
      ok: true,
      batch_id: '5f0c8a0e-6f1b-4c1e-9d3a-2b7e8f9a0c1d',
      total_count: 1,
      cost_per_video: 10,
      required_credits: 10,
      available_credits: 5000,
      breakdown: [{ model: 'sora-2', count: 1, price_credits: 10, subtotal_credits: 10 }],
      status: 'queued',
      request_id: 'r',
      balance_snapshot: true,
      enqueue: 'queued',
    };
    expectConformance(doc, { ...created, body: admitted });
    expect(() =>
      expectConformance(doc, { ...created, body: { ...admitted, breakdown: [{ model: 'x' }] } }),
    ).toThrow(/\/breakdown\/0 must have required property 'count'/);
    expect(() => expectConformance(doc, { ...created, status: 418, body: {} })).toThrow(
      /418 is not declared/,
    );
    expect(() =>
      expectConformance(doc, { method: 'DELETE', path: CREATE, status: 200, body: {} }),
    ).toThrow(/no operation/);
    expect(() => expectComponent(doc, 'ErrorResponse', { ok: false })).toThrow(/error/);
  });

  it('has at least 40 distinct bad requests', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it.for(CASES)('$name → $status $code', async (c) => {
    const snapshot = await snapshotDatabase(app.db);
    const apiKey = typeof c.apiKey === 'function' ? c.apiKey() : c.apiKey;
    const headers: Record<string, string> = {};
    if (apiKey !== null) headers['x-api-key'] = apiKey ?? 'demo-key';
    const path = typeof c.path === 'function' ? c.path() : (c.path ?? CREATE);
    const response = await requestAndCheck<ErrorBody>(doc, app.baseUrl, {
      method: c.method ?? 'POST',
      path,
      template: c.template,
      headers: { ...headers, ...c.headers },
      body: c.body,
      rawBody: c.rawBody,
    });
    const { body } = response;

    expect(response.status, response.text.slice(0, 1000)).toBeLessThan(500);
    expect({ status: response.status, code: body.error?.code }).toEqual({
      status: c.status,
      code: c.code,
    });
    expect(body.ok).toBe(false);
    expect(body.error.message).toEqual(expect.any(String));
    expect(body.request_id).toMatch(/\S/);
    expect(response.headers['x-request-id']).toBe(body.request_id);
    for (const leak of LEAKS) expect(response.text).not.toMatch(leak);
    expect(Array.isArray(body.error.details)).toBe(true);
    if (c.detail !== undefined) {
      expect(body.error.details.length).toBeGreaterThan(0);
      for (const detail of body.error.details) {
        expect(detail).toEqual({ path: expect.any(String), message: expect.stringMatching(/\S/) });
      }
      const wanted = c.detail;
      const located = body.error.details.find((d) =>
        typeof wanted === 'string' ? d.path === wanted : wanted.test(d.path),
      );
      expect(
        located,
        `details ${JSON.stringify(body.error.details)} should locate ${wanted}`,
      ).toBeDefined();
      if (c.detailMessage) expect(located?.message).toMatch(c.detailMessage);
    }
    c.also?.(body);
    await expectNothingWritten(app.db, snapshot);
  });

  it('wrote nothing across the whole corpus', async () => {
    await expectNothingWritten(app.db, before);
  });

  it('answers unknown routes and wrong methods with 404 route_not_found', async () => {
    const probes: [string, string][] = [
      ['GET', '/api/enterprise/nope'],
      ['GET', CREATE],
      ['GET', `/api/enterprise/video-batch/${ctx.batchId}/cancel`],
      ['POST', '/api/enterprise/balance'],
      ['DELETE', `/api/enterprise/video-batch/${ctx.batchId}`],
    ];
    for (const [method, path] of probes) {
      for (const key of [{ 'x-api-key': 'demo-key' }, {}]) {
        const response = await fetch(`${app.baseUrl}${path}`, { method, headers: key });
        const body = (await response.json()) as ErrorBody;
        expect({ method, path, status: response.status, code: body.error?.code }).toEqual({
          method,
          path,
          status: 404,
          code: 'route_not_found',
        });
        expectComponent(doc, 'ErrorResponse', body);
        expect(response.headers.get('x-request-id')).toBe(body.request_id);
      }
    }
    await expectNothingWritten(app.db, before);
  });

  it('accepts the edges of every limit (positive controls)', async () => {
    const quote = (body: unknown, headers: Record<string, string> = {}) =>
      requestAndCheck<{ ok: boolean; total_count: number; would_admit: boolean }>(
        doc,
        app.baseUrl,
        { method: 'POST', path: QUOTE, headers: { 'x-api-key': 'demo-key', ...headers }, body },
      );
    const edges: [string, unknown, Record<string, string>?][] = [
      ['prompt of 2,000 characters', withItem({ prompt: 'p'.repeat(LIMITS.maxPromptChars) })],
      ['prompt of 2,000 three-byte characters', withItem({ prompt: '€'.repeat(2000) })],
      ['every allowed seconds and size', { items: [item({ seconds: 12, size: '720x1280' })] }],
      ['10,000 items', items(LIMITS.maxItems)],
      [
        'metadata at its limits',
        batch({
          metadata: {
            ...metadataWith(LIMITS.maxMetadataKeys - 1),
            ['k'.repeat(LIMITS.maxMetadataKeyChars)]: 'v'.repeat(LIMITS.maxMetadataValueChars),
          },
        }),
      ],
      [
        'webhook_url of 2,048 characters',
        batch({
          webhook_url: `https://customer.example/${'w'.repeat(LIMITS.maxWebhookUrlChars - 25)}`,
        }),
      ],
      ['X-Request-ID of 255 characters', batch(), { 'x-request-id': 'r'.repeat(255) }],
    ];
    for (const [name, body, headers] of edges) {
      const response = await quote(body, headers);
      expect({ name, status: response.status }, response.text.slice(0, 500)).toEqual({
        name,
        status: 200,
      });
    }
    await expectNothingWritten(app.db, before);

    const admitted = await requestAndCheck<{ batch_id: string; required_credits: number }>(
      doc,
      app.baseUrl,
      {
        method: 'POST',
        path: CREATE,
        headers: { 'x-api-key': 'demo-key' },
        body: withItem({ prompt: 'p'.repeat(LIMITS.maxPromptChars) }),
      },
    );
    expect(admitted.status).toBe(202);
    expect(admitted.body.required_credits).toBe(10);

    // The X-Request-ID of a refused request was not consumed: fixed, the same id is admitted.
    const fixed = await requestAndCheck<{ request_id: string }>(doc, app.baseUrl, {
      method: 'POST',
      path: CREATE,
      headers: { 'x-api-key': 'demo-key', 'x-request-id': 'refused-then-fixed-1' },
      body: withItem({ seconds: 4 }),
    });
    expect(fixed.status).toBe(202);
    expect(fixed.body.request_id).toBe('refused-then-fixed-1');
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });
});
