import { ERROR_CODES } from '../../src/http/errors';
import { describeRequest, type FuzzAnswer, type FuzzRequest, type RawRequest } from './fuzz-http';
import { expectComponent, expectConformance, type OpenApiDoc } from './openapi';

/** Signs of internals in a body: stack frames, file positions, dependency or database names. */
const LEAKS = [
  /^\s*at .+\(.*\)$/m,
  /\bat [\w.<>]+ \(/,
  /node_modules/i,
  /prisma/i,
  /\.[cm]?[jt]s:\d+/,
  /postgres|pg_catalog|sqlstate/i,
];

export interface Expectation {
  /** The request breaks a rule: any status below 400 is a failure. */
  mustReject?: boolean;
  /** The exact status the request must get. */
  status?: number;
}

/** Thrown by the oracle; the message carries the request and the answer to reproduce it. */
export class OracleError extends Error {
  override name = 'OracleError';
}

/**
 * The operation of the document a request reaches, as the router (find-my-way) picks it: per
 * method, static segments before `{id}`, a `{id}` of 1–100 characters that holds no `/`.
 * Percent-escapes are decoded per segment (an escaped `/` stays inside its segment).
 */
export function documentedTemplate(
  doc: OpenApiDoc,
  method: string,
  pathname: string,
): string | undefined {
  const verb = method === 'HEAD' ? 'get' : method.toLowerCase();
  const segments = pathname.split('/');
  const candidates = Object.keys(doc.paths).filter((template) => {
    if (!doc.paths[template]?.[verb]) return false;
    const parts = template.split('/');
    if (parts.length !== segments.length) return false;
    return parts.every((part, i) => {
      const segment = segments[i] ?? '';
      if (part.startsWith('{')) return segment.length > 0 && segment.length <= 100;
      try {
        return decodeURIComponent(segment) === part && !/%2f/i.test(segment);
      } catch {
        return false;
      }
    });
  });
  // A static segment wins over a parameter (`/video-batch/quote` over `/video-batch/{id}`).
  candidates.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0];
}

/** Codes answered before a request reaches an operation (see `src/http/framework-errors.ts`). */
const PRE_ROUTING = new Set([
  'route_not_found',
  'malformed_request',
  'headers_too_large',
  'request_timeout',
]);

/** Whether `text` is the error envelope (docs/product.md §3) of a refusal made before routing. */
function refusedBeforeRouting(text: string): boolean {
  try {
    const code = JSON.parse(text)?.error?.code;
    return typeof code === 'string' && PRE_ROUTING.has(code);
  } catch {
    return false;
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

interface ErrorEnvelope {
  ok: unknown;
  error?: { code?: unknown; message?: unknown; details?: unknown };
  request_id?: unknown;
}

/**
 * The properties every answer must have: no 5xx; an error in the docs/product.md §3 envelope whose code
 * matches its status and whose `request_id` is the `X-Request-ID` header; nothing leaked; and
 * where the route is documented, a body that conforms to the OpenAPI document.
 */
export function checkAnswer(
  doc: OpenApiDoc,
  request: FuzzRequest | RawRequest,
  answer: FuzzAnswer,
  expectation: Expectation = {},
): void {
  const fail = (problem: string): never => {
    throw new OracleError(
      [
        problem,
        '--- request',
        describeRequest(request),
        answer.sentPath ? `(sent as ${answer.sentPath})` : '',
        '--- answer',
        `${answer.status} ${JSON.stringify(answer.headers)}`,
        answer.text.slice(0, 1_500),
      ].join('\n'),
    );
  };
  const method = 'head' in request ? request.method : request.method.toUpperCase();
  const sent = (answer.sentPath || '/').split(/[?#]/)[0] ?? '/';
  // As the router sees it: `/%61pi/…` is `/api/…` (an undecodable path stays as sent).
  const pathname = safeDecode(sent);
  if (pathname === '/admin' || pathname.startsWith('/admin/')) {
    // The admin SPA, not the API: HTML, or (the fuzzed app has no built assets) a 503 telling
    // the operator to build it first; a HEAD gets its headers only.
    const unbuilt = answer.text.includes('not built') || (method === 'HEAD' && !answer.text);
    if (answer.status === 503 && unbuilt) return;
    if (answer.status >= 500) fail(`a ${answer.status} answer`);
    return;
  }
  if (pathname.startsWith('/trpc/') && !refusedBeforeRouting(answer.text)) {
    // The admin app's tRPC API, not the public one: its errors come in tRPC's own shape (what
    // the SPA's client reads), serialised by superjson, with the HTTP status inside. A request
    // the HTTP layer refused before any route saw it is answered in the error envelope (docs/product.md §3), below.
    if (answer.status >= 500) fail(`a ${answer.status} answer`);
    if (answer.headers['x-request-id'] === undefined) fail('no X-Request-ID header');
    if (method === 'HEAD' || answer.status < 400) return;
    let shape: { message?: unknown; data?: { httpStatus?: unknown } } | undefined;
    try {
      shape = JSON.parse(answer.text)?.error?.json;
    } catch {
      fail('a tRPC error that is not JSON');
    }
    if (typeof shape?.message !== 'string' || shape.data?.httpStatus !== answer.status) {
      fail('a tRPC error not in the tRPC error shape');
    }
    return;
  }
  if (answer.status >= 500) fail(`a ${answer.status} answer`);
  if (expectation.status !== undefined && answer.status !== expectation.status) {
    fail(`expected ${expectation.status}, got ${answer.status}`);
  }
  if (expectation.mustReject && answer.status < 400) {
    fail(`a request that breaks the contract was accepted (${answer.status})`);
  }
  if (pathname.startsWith('/simulator/')) return; // videos, not the API (text/plain 404)
  if (answer.headers['x-request-id'] === undefined) fail('no X-Request-ID header');
  if (method === 'HEAD' || answer.status === 204) return;
  if (answer.status < 400) {
    if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) {
      if (pathname.startsWith('/api/enterprise/docs')) return; // the reference page is HTML
      fail('a success that is not JSON');
    }
  } else if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) {
    fail('an error that is not JSON');
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    fail('the body is not JSON');
  }
  // The OpenAPI document's prose ("at least (…)") is no leak.
  if (typeof (body as { openapi?: unknown }).openapi !== 'string') {
    for (const leak of LEAKS)
      if (leak.test(answer.text)) fail(`the body leaks internals (${leak})`);
  }

  const template =
    pathname.startsWith('/api/enterprise/') && answer.sentPath
      ? documentedTemplate(doc, method, sent)
      : undefined;
  if (answer.status >= 400) {
    const envelope = body as ErrorEnvelope;
    const code = envelope.error?.code;
    const details = envelope.error?.details;
    if (envelope.ok !== false) fail('error envelope: `ok` is not false');
    if (typeof code !== 'string' || !(code in ERROR_CODES)) fail(`unknown error code ${code}`);
    const known = ERROR_CODES[code as keyof typeof ERROR_CODES];
    if (known.status !== answer.status)
      fail(`code ${code} is a ${known.status}, not ${answer.status}`);
    if (typeof envelope.error?.message !== 'string' || !envelope.error.message.trim()) {
      fail('error envelope: no message');
    }
    const wellFormed = (d: unknown) =>
      typeof d === 'object' &&
      d !== null &&
      typeof (d as { path?: unknown }).path === 'string' &&
      typeof (d as { message?: unknown }).message === 'string';
    if (!Array.isArray(details) || !details.every(wellFormed)) fail('error envelope: bad details');
    if (typeof envelope.request_id !== 'string' || !envelope.request_id) fail('no request_id');
    if (envelope.request_id !== answer.headers['x-request-id']) {
      fail('request_id differs from the X-Request-ID header');
    }
  }
  try {
    const code = (body as ErrorEnvelope).error?.code;
    // Refusals before routing (no route matched, or HTTP the parser refused) are not part of any
    // operation: they conform to the shared ErrorResponse schema.
    if (template && !(typeof code === 'string' && PRE_ROUTING.has(code))) {
      expectConformance(doc, {
        method,
        path: template,
        status: answer.status,
        body,
        headers: answer.headers,
      });
    } else if (answer.status >= 400) {
      expectComponent(doc, 'ErrorResponse', body);
    } else if (
      pathname.startsWith('/api/enterprise/') &&
      pathname !== '/api/enterprise/openapi.json'
    ) {
      fail(`a ${answer.status} from an undocumented route`);
    }
  } catch (error) {
    if (error instanceof OracleError) throw error;
    fail(`does not conform to the OpenAPI document: ${(error as Error).message}`);
  }
}
