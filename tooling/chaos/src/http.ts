import { setTimeout as sleep } from 'node:timers/promises';

// biome-ignore lint/suspicious/noExplicitAny: answers are read field by field and checked
export type Json = any;

/** An HTTP answer; `status` 0 means no answer at all (connection refused, reset, timed out). */
export interface Reply {
  status: number;
  body: Json;
  replayed: boolean;
  /** The Retry-After header, when the answer had one. */
  retryAfter?: string;
  error?: string;
}

export interface CallOptions {
  apiKey: string;
  requestId?: string | undefined;
  body?: unknown;
  timeoutMs?: number;
}

/** One request to the public REST API, never throwing. */
export async function call(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: CallOptions,
): Promise<Reply> {
  const headers: Record<string, string> = { 'x-api-key': options.apiKey };
  if (options.requestId) headers['x-request-id'] = options.requestId;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await response.text();
    let body: Json = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    const retryAfter = response.headers.get('retry-after');
    return {
      status: response.status,
      body,
      replayed: response.headers.get('idempotent-replayed') === 'true',
      ...(retryAfter === null ? {} : { retryAfter }),
    };
  } catch (error) {
    return { status: 0, body: null, replayed: false, error: (error as Error).message };
  }
}

/** Answers worth asking again with the same X-Request-ID: no answer, 5xx, in flight, rate limit. */
export function isRetryable(reply: Reply): boolean {
  return reply.status === 0 || reply.status >= 500 || reply.status === 409 || reply.status === 429;
}

/**
 * Sends until the answer is final, as a careful client does: the same request (and so the same
 * X-Request-ID) again after a short backoff while the answer is retryable, for at most
 * `budgetMs`. Returns the final answer (or the last retryable one when the budget ran out) and
 * every answer seen on the way.
 */
export async function callUntilFinal(
  send: () => Promise<Reply>,
  budgetMs: number,
  retryIf: (reply: Reply) => boolean = isRetryable,
): Promise<{ final: Reply; seen: Reply[] }> {
  const deadline = Date.now() + budgetMs;
  const seen: Reply[] = [];
  for (let attempt = 1; ; attempt++) {
    const reply = await send();
    seen.push(reply);
    if (!retryIf(reply) || Date.now() > deadline) return { final: reply, seen };
    await sleep(Math.min(1000, 100 * attempt));
  }
}
