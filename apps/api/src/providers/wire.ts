import { ProviderError } from './types';

/** A provider's `Retry-After` is honoured up to this; beyond it is more likely a bug than a plan. */
const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** One HTTP exchange with a provider: its answer, or why there was none. */
export type Exchange =
  | { kind: 'answered'; status: number; headers: Headers; text: string }
  | { kind: 'unreachable'; code: 'network_error' | 'timeout'; detail: string };

export interface WireOptions {
  /** Injectable so an SSRF-safe fetch can replace the global one. */
  fetch: typeof fetch;
  /** How long one request may wait for its whole answer. */
  requestTimeoutMs: number;
}

/**
 * Sends one request, exactly once (no retry here: a retried submit can create a second paid
 * job), and reads the whole answer. Resolves with the answer or a classified reason there was
 * none; rejects only with `signal.reason` when the caller aborts.
 *
 * Redirects are not followed: an API has no reason to send one, and following it would carry
 * the key to wherever it points.
 */
export async function exchange(
  wire: WireOptions,
  url: string,
  init: RequestInit,
  signal: AbortSignal,
): Promise<Exchange> {
  if (signal.aborted) throw signal.reason;
  // One controller per request, unhooked from the caller's signal afterwards: a poller's
  // long-lived signal must not collect a listener per request (AbortSignal.any leaks so on
  // some Node 20 releases).
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException('provider request timed out', 'TimeoutError'));
  }, wire.requestTimeoutMs);
  try {
    const response = await wire.fetch(url, {
      ...init,
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await response.text();
    return { kind: 'answered', status: response.status, headers: response.headers, text };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (timedOut) {
      return {
        kind: 'unreachable',
        code: 'timeout',
        detail: `no answer within ${wire.requestTimeoutMs} ms`,
      };
    }
    return { kind: 'unreachable', code: 'network_error', detail: describeNetworkError(error) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * A signal for one call that follows `signal`, and `release()` to unhook it once the call is
 * over, so a long-lived caller signal (a poller's) never collects a listener per call from
 * libraries that add one and never remove it.
 */
export function callSignal(signal: AbortSignal) {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    release: () => signal.removeEventListener('abort', onAbort),
  };
}

/** Parses a JSON answer; undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A plain object's fields, or an empty record for anything else (read field by field). */
export function fields(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

export const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
export const num = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/**
 * The wait an answer asks for: `retry-after-ms` first (finer than seconds), then the standard
 * `Retry-After` in seconds or as an HTTP-date. Undefined when absent or unreadable.
 */
export function retryAfterMs(headers: Headers): number | undefined {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return boundDelay(Number(ms));
  const value = headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return boundDelay(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : boundDelay(date - Date.now());
}

export function boundDelay(ms: number) {
  return Math.min(Math.max(0, Math.round(ms)), MAX_RETRY_AFTER_MS);
}

/** What went wrong on the wire: undici hides the useful part (ECONNRESET, ...) in `cause`. */
export function describeNetworkError(error: unknown): string {
  // An injected fetch (e.g. the SSRF guard) may already know better than "fetch failed".
  if (error instanceof ProviderError) return error.message;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${cause.message}${typeof code === 'string' && !cause.message.includes(code) ? ` (${code})` : ''}`;
  }
  return error.message;
}

/** A pause that ends at once, with the abort reason, when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Removes a trailing slash so paths can be appended. */
export const trimBase = (url: string) => url.replace(/\/+$/, '');

/** The frame a `size` (`WIDTHxHEIGHT`) asks for, in the forms providers name it. */
export interface FrameShape {
  width: number;
  height: number;
  /** Reduced, e.g. `16:9`. */
  aspectRatio: string;
  /** The short side as a tier: `720p`, `1080p`, `4k`. */
  resolution: string;
  /** Exact pixels with a colon, Runway's `ratio`: `1280:720`. */
  ratio: string;
}

export function frameShape(size: string): FrameShape | null {
  const match = /^(\d{2,5})x(\d{2,5})$/.exec(size);
  if (!match) return null;
  const width = Number(match[1]);
  const height = Number(match[2]);
  const divisor = gcd(width, height);
  const short = Math.min(width, height);
  return {
    width,
    height,
    aspectRatio: `${width / divisor}:${height / divisor}`,
    resolution: short >= 2160 ? '4k' : `${short}p`,
    ratio: `${width}:${height}`,
  };
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
