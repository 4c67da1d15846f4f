import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorEnvelope, sendError } from './error-handler';
import { ApiError } from './errors';

/**
 * Refusals that happen before a request reaches a route, where Fastify and Node would otherwise
 * answer in their own shapes (or not at all): every answer of the API is the docs/product.md §3 envelope
 * with an `X-Request-ID`, even for a request too broken to have a route.
 */

/** Fastify's router refusals (`frameworkErrors` option): a URL with broken percent-encoding. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const apiError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? // An id longer than any the API issues (find-my-way's 100-character limit).
        new ApiError('not_found', 'No such resource: ids are at most 100 characters.')
      : new ApiError('malformed_request', 'The URL is malformed (bad percent-encoding).');
  request.log.info({ code: apiError.code, url: request.raw.url }, 'request refused');
  // Hooks do not run for these, so the request id header is set here.
  reply.header('x-request-id', request.id);
  return sendError(request, reply, apiError);
}

/** Writes a complete HTTP/1.1 answer straight to a socket, then closes it. */
function writeRaw(socket: Duplex, error: ApiError) {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = `req_${randomUUID()}`;
  const body = JSON.stringify(errorEnvelope(requestId, error));
  socket.end(
    [
      `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-ID: ${requestId}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
    // Destroyed once written: the rest of what the client sent is not read.
    () => socket.destroy(),
  );
}

/**
 * Node's HTTP parser refusals (`clientErrorHandler` option): bad framing or syntax, headers over
 * 16 KiB, a request that did not arrive in time. The connection cannot be trusted afterwards, so
 * it is closed after the answer.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Duplex,
) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError('headers_too_large', 'The request headers exceed 16 KiB.')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError('request_timeout', 'The request was not received in time.')
        : new ApiError('malformed_request', 'The HTTP request is malformed.', [
            { path: '', message: `${error.code ?? 'parse error'}: ${error.message}` },
          ]);
  this.log.info({ code: apiError.code, parser: error.code }, 'malformed request refused');
  writeRaw(socket, apiError);
}

/** The value a proxy chain added last (`a, b` → `b`), as Fastify reads it. */
function lastEntry(value: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined?.slice(joined.lastIndexOf(',') + 1).trim();
}

/**
 * What Node would refuse on its own, answered in the envelope instead:
 * - `CONNECT host:port`: the API is no proxy. Without a listener Node drops the connection
 *   silently; the client deserves an answer like any other unknown route.
 * - an HTTP/1.1 request without `Host`, or with one that is no host (RFC 9112 §3.2: a server must
 *   answer 400); otherwise every route (and library) building a URL from it would have to care.
 */
export function refuseMalformed(app: FastifyInstance) {
  app.server.on('connect', (request: { url?: string }, socket: Duplex) => {
    writeRaw(
      socket,
      new ApiError('route_not_found', `No route CONNECT ${String(request.url).slice(0, 200)}.`),
    );
  });
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new ApiError('malformed_request', 'An HTTP/1.1 request must send a Host header.');
    }
    const host = request.headers.host;
    if (host !== undefined && !URL.canParse(`http://${host}`)) {
      throw new ApiError('malformed_request', 'The Host header is not a valid host.');
    }
    // A proxy's X-Forwarded-Proto/-Host (trusted for request.protocol and request.host) that
    // cannot form a URL is noise, not the client's fault: ignored, as if no proxy had sent it.
    if (!/^https?$/i.test(lastEntry(request.headers['x-forwarded-proto']) ?? 'http')) {
      delete request.headers['x-forwarded-proto'];
    }
    const forwardedHost = lastEntry(request.headers['x-forwarded-host']);
    if (forwardedHost !== undefined && !URL.canParse(`http://${forwardedHost}`)) {
      delete request.headers['x-forwarded-host'];
    }
  });
}
