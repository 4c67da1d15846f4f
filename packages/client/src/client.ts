import type {
  BatchStatus,
  DeliveryStatus,
  FinanceAlertKind,
  TaskStatus,
} from '@batchreel/contracts';
import { BatchreelApiError, errorFromResponse } from './errors';
import type {
  AlertPage,
  Balance,
  Batch,
  BatchAdmitted,
  BatchPage,
  BudgetList,
  CreateBatchRequest,
  DeliveryPage,
  LedgerPage,
  MonthlyStatement,
  ProjectList,
  Quote,
  RetryAdmitted,
  SigningSecret,
  StatementFile,
  StatementKey,
  StatementList,
  Task,
  TaskPage,
  VideoRedirect,
  WebhookDeliveryResponse,
} from './types';

export interface ClientOptions {
  /** Where the API is, e.g. `https://batchreel.example` (no `/api/enterprise`). */
  baseUrl: string;
  /** Sent as `X-API-Key`. */
  apiKey: string;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** Sent as `User-Agent` where the runtime allows it. */
  userAgent?: string;
  /**
   * Called after every HTTP exchange that got an answer, successful or not (the demo prints
   * requests and answers). The headers are the ones sent, API key included: redact before logging.
   */
  onExchange?: (exchange: Exchange) => void;
  /**
   * How often a request is sent again when the API could not act on it (429, 503: after their
   * `Retry-After`) or, for requests safe to repeat, when no answer arrived (network error, 502,
   * 504) or the same `X-Request-ID` is still in flight (409 `request_in_progress`). Safe to
   * repeat: reads, quotes, and `createBatch`, which always sends an `X-Request-ID` (one is made up
   * when none is given) so a repeat answers the original batch. Default 2; 0 turns retries off.
   */
  maxRetries?: number;
}

/** One request and its answer, as {@link ClientOptions.onExchange} sees it. */
export interface Exchange {
  method: string;
  /** Path and query string, e.g. `/api/enterprise/ledger?limit=5`. */
  path: string;
  requestHeaders: Record<string, string>;
  /** The JSON body sent, or `undefined`. */
  requestBody: unknown;
  status: number;
  /** Lower-case names, e.g. `x-request-id`, `idempotent-replayed`. */
  responseHeaders: Record<string, string>;
  /** Parsed JSON, or the text when the answer was not JSON. */
  responseBody: unknown;
  durationMs: number;
}

type Query = Record<string, string | number | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Sending it twice has the effect of sending it once (GETs are, always). */
  repeatable?: boolean;
  /** Statuses besides 2xx that are answers, not errors (the video link's `302`). */
  accept?: number[];
  /** The answer is a file: its body is handed over as a stream, never read whole. */
  download?: boolean;
  /** A download: a 2xx answer's bytes are kept as they are (errors are still JSON). */
  binary?: boolean;
}

/** Waits before the first and second retry when the API names none; doubled each time. */
const RETRY_BASE_MS = 250;
/** A `Retry-After` longer than this is not waited out: the error goes to the caller. */
const MAX_RETRY_AFTER_MS = 10_000;

/** How long to wait before sending again, or null when this failure is not worth a retry. */
function retryDelayMs(error: unknown, repeatable: boolean, retry: number): number | null {
  if (!(error instanceof BatchreelApiError)) return null;
  const notActedOn = error.status === 429 || error.status === 503;
  const unknownOutcome =
    error.code === 'network_error' ||
    error.status === 502 ||
    error.status === 504 ||
    error.code === 'request_in_progress';
  if (!notActedOn && !(repeatable && unknownOutcome)) return null;
  if (error.retryAfterSeconds !== undefined) {
    const named = error.retryAfterSeconds * 1000;
    return named <= MAX_RETRY_AFTER_MS ? named : null;
  }
  return RETRY_BASE_MS * 2 ** retry + Math.floor(Math.random() * 100);
}

interface Answer<T> {
  body: T;
  headers: Record<string, string>;
  /** The answer's bytes, for a binary request that succeeded. */
  bytes?: Uint8Array;
}

const PREFIX = '/api/enterprise';
const DEFAULT_USER_AGENT = '@batchreel/client';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Why a request got no answer, in words: Node's fetch hides the socket error in `cause`. */
function describeNetworkError(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A client for the Batchreel public REST API (`/api/enterprise`). Every method resolves with the
 * JSON body the API answered, field for field, or rejects with a {@link BatchreelApiError}.
 *
 * @example
 * const client = new BatchreelClient({ baseUrl: 'http://localhost:3000', apiKey: 'demo-key' });
 * const { batch } = await client.createBatch({ items: [{ prompt: 'A cat', model: 'sora-2' }] });
 * const settled = await client.waitForBatch(batch.batch_id);
 */
export class BatchreelClient {
  readonly #baseUrl: string;
  readonly #apiKey: string;
  readonly #fetch: typeof fetch;
  readonly #userAgent: string;
  readonly #onExchange: ((exchange: Exchange) => void) | undefined;
  readonly #maxRetries: number;

  constructor(options: ClientOptions) {
    if (!options.baseUrl) throw new TypeError('BatchreelClient: baseUrl is required.');
    if (!options.apiKey) throw new TypeError('BatchreelClient: apiKey is required.');
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#onExchange = options.onExchange;
    this.#maxRetries = Math.max(0, Math.trunc(options.maxRetries ?? 2));
  }

  /** The same validation and price as submitting, and whether it would be admitted now. Creates nothing. */
  async quote(request: CreateBatchRequest): Promise<Quote> {
    return (
      await this.#request<Quote>('POST', '/video-batch/quote', { body: request, repeatable: true })
    ).body;
  }

  /**
   * Submits a batch. Pass a `requestId` (`X-Request-ID`, ≤ 255 printable ASCII characters) to make
   * your own retries safe: the same id and body answer the original batch with `replayed: true`
   * and create nothing. Without one, the client makes one up for this call, so that its own
   * retries are safe too. Rejects with `insufficient_credits` (402, `requiredCredits`/
   * `availableCredits` set) when the account cannot pay; then nothing was created or charged.
   */
  async createBatch(
    request: CreateBatchRequest,
    options: { requestId?: string } = {},
  ): Promise<{ batch: BatchAdmitted; replayed: boolean }> {
    const headers = { 'X-Request-ID': options.requestId ?? `client-${crypto.randomUUID()}` };
    const answer = await this.#request<BatchAdmitted>('POST', '/video-batch', {
      body: request,
      headers,
      repeatable: true,
    });
    return { batch: answer.body, replayed: answer.headers['idempotent-replayed'] === 'true' };
  }

  /** Status, live counts and billing of a batch. */
  async getBatch(batchId: string): Promise<Batch> {
    return (await this.#request<Batch>('GET', `/video-batch/${encodeURIComponent(batchId)}`)).body;
  }

  /**
   * One page of the account's batches, newest first. `idPrefix` finds batches by the start of
   * their id (4 to 32 hex digits, e.g. the 8-character short id): a unique prefix answers one
   * batch, an ambiguous one every match.
   */
  async listBatches(
    query: { idPrefix?: string; status?: BatchStatus; limit?: number; cursor?: string } = {},
  ): Promise<BatchPage> {
    const { idPrefix, ...rest } = query;
    return (
      await this.#request<BatchPage>('GET', '/video-batches', {
        query: { id_prefix: idPrefix, ...rest },
      })
    ).body;
  }

  /** One page of a batch's tasks, in request order (`batch_index`). */
  async listTasks(
    batchId: string,
    query: { status?: TaskStatus; limit?: number; cursor?: string } = {},
  ): Promise<TaskPage> {
    const path = `/video-batch/${encodeURIComponent(batchId)}/tasks`;
    return (await this.#request<TaskPage>('GET', path, { query })).body;
  }

  /** Every task of a batch (optionally of one status), in request order, page after page. */
  async *tasks(
    batchId: string,
    query: { status?: TaskStatus; pageSize?: number } = {},
  ): AsyncIterable<Task> {
    let cursor: string | undefined;
    do {
      const page = await this.listTasks(batchId, {
        ...(query.status ? { status: query.status } : {}),
        ...(query.pageSize ? { limit: query.pageSize } : {}),
        ...(cursor ? { cursor } : {}),
      });
      yield* page.data;
      cursor = page.has_more && page.next_cursor ? page.next_cursor : undefined;
    } while (cursor);
  }

  /** Cancels waiting tasks (refunded at once); running ones finish. `409 not_cancellable` once settled. */
  async cancelBatch(batchId: string): Promise<Batch> {
    const path = `/video-batch/${encodeURIComponent(batchId)}/cancel`;
    return (await this.#request<Batch>('POST', path)).body;
  }

  /**
   * Re-runs a settled batch's failed tasks as a new batch (same prompts and parameters, quoted and
   * admitted like any batch: `402 insufficient_credits`, idempotent on `requestId`), linked both
   * ways (`retried_from_batch_id`, `retry_batch_ids`). `409 batch_not_settled` while the batch
   * runs, `409 no_failed_tasks` when none failed.
   */
  async retryFailed(
    batchId: string,
    options: { requestId?: string } = {},
  ): Promise<{ batch: RetryAdmitted; replayed: boolean }> {
    const headers = { 'X-Request-ID': options.requestId ?? `client-${crypto.randomUUID()}` };
    const path = `/video-batch/${encodeURIComponent(batchId)}/retry-failed`;
    const answer = await this.#request<RetryAdmitted>('POST', path, { headers, repeatable: true });
    return { batch: answer.body, replayed: answer.headers['idempotent-replayed'] === 'true' };
  }

  /**
   * Where a task's video can be downloaded now: a signed URL that needs no API key, valid until
   * `expires_at`, with the SHA-256 and size to check the download against (the stable
   * `video_url` redirects there). `410 video_expired` once retention deleted it.
   */
  async videoLink(taskId: string): Promise<VideoRedirect> {
    const path = `/videos/${encodeURIComponent(taskId)}`;
    return (await this.#request<VideoRedirect>('GET', path, { accept: [302] })).body;
  }

  /**
   * A task's video as a stream, from its signed URL (the API key is never sent there), with the
   * link it came from: hash what you read and compare it with `link.sha256`.
   */
  async downloadVideo(
    taskId: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<{ link: VideoRedirect; body: ReadableStream<Uint8Array> }> {
    const link = await this.videoLink(taskId);
    let response: Response;
    try {
      response = await this.#fetch(link.url, {
        redirect: 'follow',
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new BatchreelApiError({
        status: 0,
        code: 'network_error',
        message: `Could not download the video of task ${taskId}: ${describeNetworkError(error)}`,
        cause: error,
      });
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => {});
      throw new BatchreelApiError({
        status: response.status,
        code: 'download_failed',
        message: `The signed download of task ${taskId} answered ${response.status}.`,
      });
    }
    return { link, body: response.body };
  }

  /** A batch's results manifest (CSV or JSON Lines), streamed. */
  async manifest(batchId: string, format: 'csv' | 'jsonl'): Promise<ReadableStream<Uint8Array>> {
    const path = `/video-batch/${encodeURIComponent(batchId)}/manifest.${format}`;
    return (await this.#request<ReadableStream<Uint8Array>>('GET', path, { download: true })).body;
  }

  /** Every stored video of a batch, and `manifest.csv`, as one ZIP, streamed as it is built. */
  async videosZip(batchId: string): Promise<ReadableStream<Uint8Array>> {
    const path = `/video-batch/${encodeURIComponent(batchId)}/videos.zip`;
    return (await this.#request<ReadableStream<Uint8Array>>('GET', path, { download: true })).body;
  }

  /** Balance, credits reserved by admitted batches, and available credits. */
  async balance(): Promise<Balance> {
    return (await this.#request<Balance>('GET', '/balance')).body;
  }

  /** The account's statement, newest first. */
  async ledger(query: { limit?: number; cursor?: string } = {}): Promise<LedgerPage> {
    return (await this.#request<LedgerPage>('GET', '/ledger', { query })).body;
  }

  /** The `whsec_...` secret that signs webhook deliveries. */
  async webhookSecret(): Promise<SigningSecret> {
    return (await this.#request<SigningSecret>('GET', '/webhook-secret')).body;
  }

  /** A new signing secret; the old one keeps signing for `overlapSeconds` (server default 24 h). */
  async rotateWebhookSecret(overlapSeconds?: number): Promise<SigningSecret> {
    const body = overlapSeconds === undefined ? {} : { overlap_seconds: overlapSeconds };
    return (await this.#request<SigningSecret>('POST', '/webhook-secret/rotate', { body })).body;
  }

  /** Events sent (or being sent) to your webhooks, newest first, with their attempts. */
  async webhookDeliveries(
    query: { batchId?: string; status?: DeliveryStatus; limit?: number; cursor?: string } = {},
  ): Promise<DeliveryPage> {
    const { batchId, ...rest } = query;
    return (
      await this.#request<DeliveryPage>('GET', '/webhook-deliveries', {
        query: { batch_id: batchId, ...rest },
      })
    ).body;
  }

  /** One event sent (or being sent) to your webhook, with every attempt. */
  async webhookDelivery(deliveryId: string): Promise<WebhookDeliveryResponse> {
    const path = `/webhook-deliveries/${encodeURIComponent(deliveryId)}`;
    return (await this.#request<WebhookDeliveryResponse>('GET', path)).body;
  }

  /**
   * Sends a delivered or failed event again, with the same event id (`202`; the delivery is
   * `pending` again). `409 delivery_in_progress` while its retries still run.
   */
  async redeliverWebhook(deliveryId: string): Promise<WebhookDeliveryResponse> {
    const path = `/webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`;
    return (await this.#request<WebhookDeliveryResponse>('POST', path)).body;
  }

  /** The account's projects and the API keys in each. */
  async listProjects(): Promise<ProjectList> {
    return (await this.#request<ProjectList>('GET', '/projects')).body;
  }

  /** Every budget cap of the account with what a month (default: this one) has used of it. */
  async budgets(query: { month?: string } = {}): Promise<BudgetList> {
    return (await this.#request<BudgetList>('GET', '/budgets', { query })).body;
  }

  /** Alerts that fired (budget thresholds, low balance), newest first. */
  async alerts(
    query: { kind?: FinanceAlertKind; limit?: number; cursor?: string } = {},
  ): Promise<AlertPage> {
    return (await this.#request<AlertPage>('GET', '/alerts', { query })).body;
  }

  /** The months there are statements for, newest first. */
  async statements(): Promise<StatementList> {
    return (await this.#request<StatementList>('GET', '/statements')).body;
  }

  /** The public key that checks statements offline. */
  async statementPublicKey(): Promise<StatementKey> {
    return (await this.#request<StatementKey>('GET', '/statements/public-key')).body;
  }

  /** The signed statement of a month (`YYYY-MM`) as JSON. */
  async statement(month: string): Promise<MonthlyStatement> {
    const path = `/statements/${encodeURIComponent(month)}`;
    return (await this.#request<MonthlyStatement>('GET', path, { query: { format: 'json' } })).body;
  }

  /**
   * The statement of a month as a CSV or PDF file, with the signature of its bytes
   * (`X-Batchreel-Signature`, `ed25519=<base64>`) and the signing key's id.
   */
  async statementFile(
    month: string,
    format: 'csv' | 'pdf',
    options: { lang?: 'en' | 'zh-CN' } = {},
  ): Promise<StatementFile> {
    const path = `/statements/${encodeURIComponent(month)}`;
    const answer = await this.#request<undefined>('GET', path, {
      query: { format, ...(options.lang ? { lang: options.lang } : {}) },
      binary: true,
    });
    const signature = answer.headers['x-batchreel-signature'] ?? '';
    return {
      bytes: answer.bytes ?? new Uint8Array(),
      contentType: answer.headers['content-type'] ?? '',
      signature: signature.replace(/^ed25519=/, ''),
      keyId: answer.headers['x-batchreel-key-id'] ?? '',
    };
  }

  /**
   * Polls `GET /video-batch/{id}` until `settlement_status` is no longer `pending`, and resolves
   * with the settled batch. Calls `onProgress` with each read. Rejects with a
   * `BatchreelApiError` of code `wait_timeout` (status 0) after `timeoutMs`, and with the
   * signal's reason when `signal` aborts.
   */
  async waitForBatch(
    batchId: string,
    options: {
      intervalMs?: number;
      timeoutMs?: number;
      onProgress?: (batch: Batch) => void;
      signal?: AbortSignal;
    } = {},
  ): Promise<Batch> {
    const intervalMs = options.intervalMs ?? 1000;
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    for (;;) {
      options.signal?.throwIfAborted();
      const batch = (
        await this.#request<Batch>('GET', `/video-batch/${encodeURIComponent(batchId)}`, {
          ...(options.signal ? { signal: options.signal } : {}),
        })
      ).body;
      options.onProgress?.(batch);
      if (batch.settlement_status !== 'pending') return batch;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new BatchreelApiError({
          status: 0,
          code: 'wait_timeout',
          message: `Batch ${batchId} did not settle within ${options.timeoutMs} ms (it is ${batch.status}, ${batch.pending_count} tasks pending).`,
          body: batch,
        });
      }
      await sleep(Math.min(intervalMs, left), options.signal);
    }
  }

  /** One call: sent, and sent again while {@link retryDelayMs} says it is worth it. */
  async #request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<Answer<T>> {
    const repeatable = method === 'GET' || options.repeatable === true;
    for (let retry = 0; ; retry++) {
      try {
        return await this.#send<T>(method, path, options);
      } catch (error) {
        const delayMs = retry < this.#maxRetries ? retryDelayMs(error, repeatable, retry) : null;
        if (delayMs === null) throw error;
        await sleep(delayMs, options.signal);
      }
    }
  }

  async #send<T>(method: string, path: string, options: RequestOptions): Promise<Answer<T>> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) search.set(name, String(value));
    }
    const fullPath = `${PREFIX}${path}${search.size ? `?${search}` : ''}`;
    const url = `${this.#baseUrl}${fullPath}`;
    const requestHeaders: Record<string, string> = {
      Accept: 'application/json',
      'X-API-Key': this.#apiKey,
      'User-Agent': this.#userAgent,
      ...options.headers,
    };
    const hasBody = options.body !== undefined;
    if (hasBody) requestHeaders['Content-Type'] = 'application/json';

    const started = performance.now();
    let response: Response;
    try {
      response = await this.#fetch(url, {
        method,
        // The API redirects only to signed downloads, which must never receive the API key.
        redirect: 'manual',
        headers: requestHeaders,
        ...(hasBody ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new BatchreelApiError({
        status: 0,
        code: 'network_error',
        message: `Could not reach ${method} ${url}: ${describeNetworkError(error)}`,
        cause: error,
      });
    }

    if (options.download && response.ok && response.body) {
      const responseHeaders = Object.fromEntries(response.headers);
      this.#onExchange?.({
        method,
        path: fullPath,
        requestHeaders,
        requestBody: options.body,
        status: response.status,
        responseHeaders,
        responseBody: undefined,
        durationMs: Math.round(performance.now() - started),
      });
      return { body: response.body as T, headers: responseHeaders };
    }

    let text: string;
    let bytes: Uint8Array | undefined;
    try {
      if (options.binary && response.ok) {
        bytes = new Uint8Array(await response.arrayBuffer());
        text = '';
      } else {
        text = await response.text();
      }
    } catch (error) {
      throw new BatchreelApiError({
        status: response.status,
        code: 'network_error',
        message: `The answer to ${method} ${url} broke off: ${describeNetworkError(error)}`,
        requestId: response.headers.get('x-request-id'),
        cause: error,
      });
    }
    let body: unknown = text;
    let isJson = false;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
        isJson = true;
      } catch {
        // Not JSON (a proxy's HTML error page, say): keep the text for the error.
      }
    }
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      responseHeaders[name] = value;
    });
    if (bytes) {
      this.#onExchange?.({
        method,
        path: fullPath,
        requestHeaders,
        requestBody: options.body,
        status: response.status,
        responseHeaders,
        responseBody: `<${bytes.length} bytes of ${responseHeaders['content-type'] ?? 'data'}>`,
        durationMs: Math.round(performance.now() - started),
      });
      return { body: undefined as T, headers: responseHeaders, bytes };
    }
    this.#onExchange?.({
      method,
      path: fullPath,
      requestHeaders,
      requestBody: options.body,
      status: response.status,
      responseHeaders,
      responseBody: body,
      durationMs: Math.round(performance.now() - started),
    });

    const requestId = response.headers.get('x-request-id');
    if (!response.ok && !options.accept?.includes(response.status)) {
      throw errorFromResponse(
        response.status,
        body,
        requestId,
        response.headers.get('retry-after'),
      );
    }
    if (!isJson) {
      throw new BatchreelApiError({
        status: response.status,
        code: 'invalid_response',
        message: `${method} ${url} answered ${response.status} with a body that is not JSON${
          text ? `: ${text.trim().slice(0, 200)}` : ' (empty)'
        }`,
        requestId,
        body,
      });
    }
    return { body: body as T, headers: responseHeaders };
  }
}
