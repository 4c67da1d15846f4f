// What API tests do again and again, written once, through the typed client a customer uses
// (@batchreel/client): submit a batch, wait for it to settle, read a refusal. Every answer such a
// client receives is validated against the served OpenAPI document, so a test that reads a field
// also proves that the document promises it. Tests that send malformed HTTP on purpose
// (bad-requests, fuzz, malformed-http) keep their raw fetch.
import {
  type Batch,
  type BatchAdmitted,
  BatchreelApiError,
  BatchreelClient,
  type CreateBatchRequest,
  type Exchange,
  type VideoItem,
} from '@batchreel/client';
import { expect } from 'vitest';
import {
  expectConformance,
  expectDownloadConformance,
  loadOpenApi,
  type OpenApiDoc,
} from './openapi';

/** The demo account's key, seeded with its data (5,000 credits). */
export const DEMO_KEY = 'demo-key';
/** The seeded model: 10 credits per video, on the simulator. */
export const DEMO_MODEL = 'sora-2';

/** A running API: a test app, a built system or a cluster of processes. */
export interface ApiTarget {
  baseUrl: string;
}

const documents = new Map<string, Promise<OpenApiDoc>>();

/** The OpenAPI document `target` serves, fetched once per server. */
export function documentOf(target: ApiTarget): Promise<OpenApiDoc> {
  let document = documents.get(target.baseUrl);
  if (!document) {
    document = loadOpenApi(target.baseUrl);
    documents.set(target.baseUrl, document);
  }
  return document;
}

/** The document's path template a concrete path is an instance of (literal segments first). */
export function templateOf(doc: OpenApiDoc, method: string, path: string): string {
  const bare = path.split('?')[0] ?? path;
  const candidates = Object.keys(doc.paths)
    .filter((template) => doc.paths[template]?.[method.toLowerCase()])
    .filter((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare))
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0] ?? bare;
}

/**
 * A typed client whose every exchange is recorded (`exchanges`) and validated against the
 * document: an answer the document does not declare (its status, its body, its headers) fails
 * the call that received it. It never retries: a test sees exactly what the server answered.
 */
export class TestClient extends BatchreelClient {
  /** Every request and answer, oldest first. */
  readonly exchanges: Exchange[];

  constructor(doc: OpenApiDoc, options: { baseUrl: string; apiKey: string }) {
    const exchanges: Exchange[] = [];
    super({
      ...options,
      maxRetries: 0,
      onExchange: (exchange) => {
        exchanges.push(exchange);
        const contentType = exchange.responseHeaders['content-type'] ?? '';
        if (exchange.responseBody === undefined && !contentType.startsWith('application/json')) {
          // A download: its body is a file the caller streams; its status and type are checked.
          expectDownloadConformance(doc, {
            method: exchange.method,
            path: templateOf(doc, exchange.method, exchange.path),
            status: exchange.status,
            contentType,
          });
          return;
        }
        expectConformance(doc, {
          method: exchange.method,
          path: templateOf(doc, exchange.method, exchange.path),
          status: exchange.status,
          body: exchange.responseBody,
          headers: exchange.responseHeaders,
        });
      },
    });
    this.exchanges = exchanges;
  }

  /** The latest exchange (its status and headers, e.g. `x-request-id`). */
  get last(): Exchange {
    const exchange = this.exchanges.at(-1);
    if (!exchange) throw new Error('no request was sent yet');
    return exchange;
  }
}

/** A typed client for `target` as the demo account, or as the holder of `apiKey`. */
export async function clientOf(
  target: ApiTarget,
  options: { apiKey?: string } = {},
): Promise<TestClient> {
  return new TestClient(await documentOf(target), {
    baseUrl: target.baseUrl,
    apiKey: options.apiKey ?? DEMO_KEY,
  });
}

/** `count` numbered prompts: `A cat playing piano #0`, `#1`, … */
export const prompts = (count: number, prompt = 'A cat playing piano') =>
  Array.from({ length: count }, (_, i) => `${prompt} #${i}`);

/** Prompts as items of one model (the demo's by default). */
export const itemsOf = (texts: string[], model = DEMO_MODEL): VideoItem[] =>
  texts.map((prompt) => ({ prompt, model }));

export interface SubmitOptions extends Omit<CreateBatchRequest, 'items'> {
  apiKey?: string;
  /** `X-Request-ID`; the client makes one up when none is given. */
  requestId?: string;
}

/**
 * Submits a batch (prompts of the demo model, or items) and expects it admitted: `202`, the
 * answer's body checked against the document. Resolves with that body.
 */
export async function submitBatch(
  target: ApiTarget,
  items: string[] | VideoItem[],
  options: SubmitOptions = {},
): Promise<BatchAdmitted> {
  const { apiKey, requestId, ...rest } = options;
  const api = await clientOf(target, apiKey === undefined ? {} : { apiKey });
  const request: CreateBatchRequest = {
    items: items.map((item) =>
      typeof item === 'string' ? { prompt: item, model: DEMO_MODEL } : item,
    ),
    ...rest,
  };
  const { batch } = await api.createBatch(request, requestId === undefined ? {} : { requestId });
  expect(api.last.status, JSON.stringify(api.last.responseBody)).toBe(202);
  return batch;
}

/** Polls the batch until it is settled (`settlement_status` no longer `pending`). */
export async function waitUntilSettled(
  target: ApiTarget,
  batchId: string,
  options: { apiKey?: string; timeoutMs?: number; intervalMs?: number } = {},
): Promise<Batch> {
  const api = await clientOf(
    target,
    options.apiKey === undefined ? {} : { apiKey: options.apiKey },
  );
  return api.waitForBatch(batchId, {
    intervalMs: options.intervalMs ?? 100,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

/** What `promise` was refused with: it must reject with the API's error (its status, code, body). */
export async function refusal(promise: Promise<unknown>): Promise<BatchreelApiError> {
  const error = await promise.then(
    (value) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(value).slice(0, 500)}`);
    },
    (reason: unknown) => reason,
  );
  if (!(error instanceof BatchreelApiError)) throw error;
  return error;
}

/** A call's outcome, accepted or refused, for tests that expect either (races, bursts). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: BatchreelApiError };

export function outcomeOf<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => {
      if (error instanceof BatchreelApiError) return { ok: false as const, error };
      throw error;
    },
  );
}
