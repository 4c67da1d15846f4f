import type { FailureFactory } from './failures';
import type { FetchOutputResult, ProviderOutput } from './types';
import { describeNetworkError, retryAfterMs, type WireOptions } from './wire';

/** Redirects a download may take (CDNs and signed storage links use one or two). */
const MAX_REDIRECTS = 3;
/** Base64 characters decoded per chunk: a multiple of 4, 48 KiB of video each. */
const BASE64_CHUNK = 64 * 1024;

export interface DownloadOptions extends WireOptions {
  failures: FailureFactory;
  /**
   * Headers that authenticate us at the provider, and the origin they may go to. They are sent
   * only to that origin, never across a redirect (a signed storage link needs no key, and must
   * not receive it).
   */
  credentials?: { origin: string; headers: Record<string, string> };
}

/**
 * `fetchOutput` for every adapter: streams a URL output (the body is handed over as a stream,
 * never read whole), or decodes an inline base64 output chunk by chunk. The request timeout
 * covers the wait for the answer's headers; the body then streams for as long as the caller's
 * signal allows.
 */
export async function fetchProviderOutput(
  options: DownloadOptions,
  output: ProviderOutput,
  signal: AbortSignal,
): Promise<FetchOutputResult> {
  if (output.kind === 'inline') return inlineOutput(output.data, output.contentType);
  if (signal.aborted) throw signal.reason;
  const { failures } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () => controller.abort(new DOMException('download headers timed out', 'TimeoutError')),
    options.requestTimeoutMs,
  );
  const release = () => signal.removeEventListener('abort', onAbort);
  try {
    let url = output.url;
    for (let hop = 0; ; hop++) {
      const sendKey =
        hop === 0 && options.credentials && new URL(url).origin === options.credentials.origin;
      const response = await options.fetch(url, {
        headers: sendKey ? (options.credentials?.headers ?? {}) : {},
        redirect: 'manual',
        signal: controller.signal,
      });
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location && hop < MAX_REDIRECTS) {
        await response.body?.cancel().catch(() => {});
        url = new URL(location, url).toString();
        continue;
      }
      clearTimeout(timer);
      if (response.ok && response.body) {
        const length = Number(response.headers.get('content-length'));
        // The caller's abort keeps cutting the body short; drop the listener once it is read.
        const stream = response.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({ flush: release }),
        );
        return {
          kind: 'fetched',
          stream,
          contentType:
            response.headers.get('content-type') ??
            output.contentType ??
            'application/octet-stream',
          ...(Number.isSafeInteger(length) && length > 0 ? { contentLength: length } : {}),
        };
      }
      await response.body?.cancel().catch(() => {});
      release();
      const raw = `download answered ${response.status}`;
      const status = response.status;
      if (status === 429) {
        return {
          kind: 'failed',
          failure: failures.failure('rate_limited', raw, {
            retryAfterMs: retryAfterMs(response.headers),
          }),
        };
      }
      if (status >= 500)
        return { kind: 'failed', failure: failures.failure('provider_error', raw) };
      if (status === 401 && sendKey) {
        return { kind: 'failed', failure: failures.failure('provider_unavailable', raw) };
      }
      // Expired or removed (signed links answer 403 once expired): poll again or resubmit.
      return {
        kind: 'failed',
        failure: failures.failure('lost', raw, {
          message: 'The video provider no longer serves this video.',
        }),
      };
    }
  } catch (error) {
    clearTimeout(timer);
    release();
    if (signal.aborted) throw signal.reason;
    const timedOut = controller.signal.aborted;
    return {
      kind: 'failed',
      failure: failures.failure(
        timedOut ? 'timeout' : 'network_error',
        `download failed: ${timedOut ? `no answer within ${options.requestTimeoutMs} ms` : describeNetworkError(error)}`,
      ),
    };
  }
}

/**
 * An inline video as a stream, decoded 48 KiB at a time. The base64 text itself is already in
 * memory (it came inside the provider's JSON answer; Gemini sends at most about 4 MB inline and
 * a link beyond that), but the decoded bytes never are all at once.
 */
export function inlineOutput(data: string, contentType: string): FetchOutputResult {
  const clean = /\s/.test(data) ? data.replace(/\s+/g, '') : data;
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= clean.length) {
        controller.close();
        return;
      }
      const part = clean.slice(offset, offset + BASE64_CHUNK);
      offset += BASE64_CHUNK;
      controller.enqueue(new Uint8Array(Buffer.from(part, 'base64')));
    },
  });
  return {
    kind: 'fetched',
    stream,
    contentType,
    contentLength: Math.floor((clean.length * 3) / 4) - padding,
  };
}
