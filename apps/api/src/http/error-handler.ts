import { isDatabaseUnavailable } from '@batchreel/db';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode } from './errors';

/** The docs/product.md §3 envelope for any error, with the request id and the error's extra fields. */
export function errorEnvelope(requestId: string, error: ApiError) {
  return {
    ok: false,
    error: { code: error.code, message: error.message, details: error.details },
    request_id: requestId,
    ...error.extra,
  };
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: ApiError) {
  return reply.code(error.status).headers(error.headers).send(errorEnvelope(request.id, error));
}

// Fastify's own refusals (body parsing, limits) by their error code.
const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send the body as application/json.'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The body is larger than the limit.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The body is empty; send a JSON object.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [
    'invalid_request',
    'Content-Length does not match the body.',
  ],
  FST_ERR_CTP_INVALID_CHARSET: ['unsupported_media_type', 'Send the body as UTF-8 JSON.'],
};

/** Turns anything thrown into a 4xx/5xx in the error envelope (docs/product.md §3); never a stack trace. */
export function toApiError(error: FastifyError | Error): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  const known = fastifyError.code ? FASTIFY_ERRORS[fastifyError.code] : undefined;
  if (known?.[0] === 'invalid_json') {
    // The parser's message says where the JSON breaks (e.g. "Unexpected token } … position 12").
    return new ApiError(known[0], known[1], [{ path: '', message: error.message }]);
  }
  if (known) return new ApiError(known[0], known[1]);
  if (
    fastifyError.statusCode === 400 &&
    (error instanceof SyntaxError || /JSON/i.test(error.message))
  ) {
    // e.g. `{"items": [` or a __proto__ key: say where, not how our parser works.
    return new ApiError('invalid_json', 'The body is not valid JSON.', [
      { path: '', message: error.message },
    ]);
  }
  if (fastifyError.statusCode === 429) return new ApiError('rate_limited', 'Too many requests.');
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new ApiError('invalid_request', 'The request could not be processed.', [
      { path: '', message: error.message },
    ]);
  }
  if (isDatabaseUnavailable(error)) {
    // A database restart or failover, not the client's fault: retrying with the same X-Request-ID
    // is safe (an admitted batch is replayed, never created twice).
    return new ApiError(
      'service_unavailable',
      'The service is briefly unavailable. Retry in a moment with the same X-Request-ID.',
      [],
      {},
      { 'retry-after': '1' },
    );
  }
  return new ApiError(
    'internal_error',
    'Something went wrong on our side. Retrying with the same X-Request-ID is safe.',
  );
}

export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.code === 'service_unavailable') {
      request.log.warn({ err: error }, 'request refused: database unavailable');
    } else if (apiError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: apiError.code }, 'request refused');
    return sendError(request, reply, apiError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new ApiError('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
    ),
  );
}
