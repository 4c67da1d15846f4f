import { connect } from 'node:net';

/** A request as the fuzzer builds it and, on failure, prints it. */
export interface FuzzRequest {
  method: string;
  /** Path and query string, as written into the URL (fetch may normalise it; see `sentPath`). */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface FuzzAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
  /** The path the server received (after fetch's URL normalisation). */
  sentPath: string;
}

/** Thrown when the server reset the connection, hung, or answered something that is not HTTP. */
export class TransportError extends Error {
  override name = 'TransportError';
}

/** Requests actually sent, per label: proves that a property did not pass vacuously. */
export const sentRequests = new Map<string, number>();
const count = (label: string) => sentRequests.set(label, (sentRequests.get(label) ?? 0) + 1);
export const totalSent = () => [...sentRequests.values()].reduce((a, b) => a + b, 0);

const TIMEOUT_MS = 10_000;

/** Sends `request` with the global fetch; a reset or a hang is a `TransportError`. */
export async function sendFetch(
  baseUrl: string,
  request: FuzzRequest,
  label: string,
): Promise<FuzzAnswer> {
  // Concatenated, not resolved: a path like `//healthz` must not become a host name.
  const url = new URL(`${baseUrl}${request.path}`);
  count(label);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error && error.cause ? ` (cause: ${String(error.cause)})` : '';
    throw new TransportError(`no answer: ${String(error)}${cause}`);
  }
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text,
    sentPath: url.pathname + url.search,
  };
}

/** A raw HTTP/1.1 message: for what fetch refuses to send (bad framing, methods, headers). */
export interface RawRequest {
  /** Everything up to and including the blank line after the headers. */
  head: Uint8Array;
  body: Uint8Array;
  /** HEAD answers carry no body even with a Content-Length. */
  method: string;
}

/** Writes the bytes on a fresh socket and parses the first final (non-1xx) answer. */
export function sendRaw(baseUrl: string, raw: RawRequest, label: string): Promise<FuzzAnswer> {
  const { hostname, port } = new URL(baseUrl);
  count(label);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(`no answer within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    const settle = (final: boolean) => {
      const answer = parseAnswer(received, raw.method === 'HEAD', final);
      if (answer === 'incomplete') {
        if (!final) return;
        clearTimeout(timer);
        reject(
          new TransportError(
            received.length === 0
              ? 'the connection was closed without an answer'
              : `the connection was closed mid-answer: ${JSON.stringify(received.toString('latin1').slice(0, 300))}`,
          ),
        );
        return;
      }
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      settle(false);
    });
    // A reset after a complete answer is fine (the server closes after answering a bad request).
    socket.on('error', () => settle(true));
    socket.on('close', () => settle(true));
    socket.write(Buffer.concat([raw.head, raw.body]));
  });
}

/** The first final answer in `data`, or `'incomplete'` while more bytes are needed. */
function parseAnswer(data: Buffer, noBody: boolean, closed: boolean): FuzzAnswer | 'incomplete' {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return 'incomplete';
    const [statusLine = '', ...lines] = data.subarray(offset, end).toString('latin1').split('\r\n');
    const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!match) throw new TransportError(`not an HTTP answer: ${JSON.stringify(statusLine)}`);
    const status = Number(match[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = end + 4;
    if (status < 200) {
      offset = bodyStart; // 100 Continue: the final answer follows
      continue;
    }
    let body: Buffer;
    if (noBody || status === 204 || status === 304) body = Buffer.alloc(0);
    else if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const decoded = decodeChunked(data.subarray(bodyStart));
      if (!decoded) return 'incomplete';
      body = decoded;
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (data.length - bodyStart < length) return 'incomplete';
      body = data.subarray(bodyStart, bodyStart + length);
    } else {
      if (!closed) return 'incomplete'; // delimited by the end of the connection
      body = data.subarray(bodyStart);
    }
    return { status, headers, text: body.toString('utf8'), sentPath: '' };
  }
}

function decodeChunked(data: Buffer): Buffer | null {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) throw new TransportError('bad chunked answer');
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return null;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}

/** A request as text to paste into a bug report (bodies shown up to 2,000 characters). */
export function describeRequest(request: FuzzRequest | RawRequest): string {
  const show = (bytes: Uint8Array | string) => {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
    return text.length > 2000
      ? `${JSON.stringify(text.slice(0, 2000))}… (${text.length} chars)`
      : JSON.stringify(text);
  };
  if ('head' in request) return `raw bytes: ${show(request.head)} + body ${show(request.body)}`;
  return [
    `${request.method} ${request.path}`,
    `headers: ${JSON.stringify(request.headers)}`,
    request.body === undefined ? 'no body' : `body: ${show(request.body)}`,
  ].join('\n');
}
