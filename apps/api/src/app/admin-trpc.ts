import { LIMITS } from '@batchreel/contracts';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { toApiError } from '../http/error-handler';
import { SESSION_COOKIE } from '../staff/sessions';
import { createContext } from '../trpc/context';
import { CSRF_HEADER, hasCsrfHeader } from '../trpc/csrf';
import { staffError } from '../trpc/errors';
import type { ServerDeps } from './server';
import { type AppRouter, appRouter } from './trpc-router';

/** tRPC's codes for the refusals the HTTP layer makes before a procedure runs. */
const TRPC_CODES: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** An error as tRPC serialises it (through superjson), for a refusal tRPC itself never saw. */
export function trpcErrorBody(httpStatus: number, message: string) {
  const code =
    TRPC_CODES[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
  return {
    error: {
      json: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus } },
    },
  };
}

/**
 * The admin API: every procedure of the admin app at `/trpc`, with the staff session from its
 * cookie and the CSRF header required on every call. Needs `@fastify/cookie` registered.
 */
export async function registerAdminTrpc(app: FastifyInstance, deps: ServerDeps) {
  const cookieOptions = (request: FastifyRequest) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
  });

  await app.register(async (scope) => {
    // A 10,000-prompt batch created from the admin is as large as one sent to the public API.
    scope.addHook('onRoute', (route) => {
      route.bodyLimit = LIMITS.maxBodyBytes;
    });
    // What Fastify refuses before tRPC sees the request (a body it cannot parse, one too large)
    // is still an answer of the admin API: in tRPC's error shape, which the SPA's client reads.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const refusal = toApiError(error);
      if (refusal.status >= 500) request.log.error({ err: error }, 'admin request failed');
      return reply
        .code(refusal.status)
        .headers(refusal.headers)
        .send(trpcErrorBody(refusal.status, refusal.message));
    });
    await scope.register(fastifyTRPCPlugin<AppRouter>, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: ({ req, res }) => {
          // Refused before any procedure runs, in tRPC's error shape (the SPA shows its message).
          if (!hasCsrfHeader(req.headers)) {
            throw staffError('FORBIDDEN', 'csrf_header_missing', `Missing ${CSRF_HEADER} header.`);
          }
          return createContext({
            db: deps.db,
            queue: deps.queue,
            logger: req.log,
            config: {
              allowPrivateNetworks: deps.config?.allowPrivateNetworks ?? false,
              ownEndpoint: deps.config?.demoWebhookReceiver ?? null,
            },
            sessionToken: req.cookies[SESSION_COOKIE],
            ip: req.ip,
            setSessionCookie: (token, expiresAt) =>
              void res.setCookie(SESSION_COOKIE, token, {
                ...cookieOptions(req),
                expires: expiresAt,
              }),
            clearSessionCookie: () => void res.clearCookie(SESSION_COOKIE, cookieOptions(req)),
          });
        },
        onError: ({ error, path }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR')
            app.log.error({ err: error, path }, 'admin procedure failed');
        },
      },
    });
  });
}
