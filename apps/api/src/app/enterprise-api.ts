import { LIMITS } from '@batchreel/contracts';
import rateLimit from '@fastify/rate-limit';
import scalar from '@scalar/fastify-api-reference';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { hashApiKey } from '../accounts/api-keys';
import { type ApiKeyPrincipal, authenticateApiKey } from '../accounts/authenticate';
import { batchRoutes } from '../batches/routes';
import { cancelRoutes } from '../execution/routes';
import { financeRoutes } from '../finance/routes';
import { ApiError, invalidRequest } from '../http/errors';
import type { EnterpriseRoute, RouteDeps } from '../http/route';
import { accountRoutes } from '../ledger/routes';
import { outputRoutes } from '../outputs/routes';
import { webhookRoutes } from '../webhooks/routes';
import { buildOpenApiDocument } from './openapi';

declare module 'fastify' {
  interface FastifyRequest {
    principal: ApiKeyPrincipal | null;
  }
  interface FastifyContextConfig {
    /** Routes that need no API key (the API's own documentation). */
    public?: boolean;
  }
}

/** Every public REST route, in the order the reference lists them. */
export const enterpriseRoutes: EnterpriseRoute[] = [
  ...batchRoutes,
  ...cancelRoutes,
  ...outputRoutes,
  ...accountRoutes,
  ...financeRoutes,
  ...webhookRoutes,
];

export const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,255}$/;

export interface EnterpriseOptions extends RouteDeps {
  rateLimitPerMinute: number;
}

/** Where the public REST API is mounted; route paths in the table are absolute. */
export const ENTERPRISE_PREFIX = '/api/enterprise';

/** `/api/enterprise/video-batch/{id}` → `/video-batch/:id` inside the prefixed plugin. */
const toFastifyPath = (path: string) =>
  path.slice(ENTERPRISE_PREFIX.length).replace(/\{(\w+)\}/g, ':$1');

function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: PropertyKey[],
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, prefix);
  return parsed.data;
}

function clientRequestId(request: FastifyRequest): string | null {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' ? header : null;
}

/**
 * The public REST API for enterprise clients (docs/product.md §3) under `/api/enterprise`: API-key auth,
 * a per-key rate limit, the `X-Request-ID` rules, zod validation of every input, and the
 * OpenAPI document plus a readable reference generated from the same route table.
 */
export async function enterpriseApi(app: FastifyInstance, options: EnterpriseOptions) {
  const deps: RouteDeps = {
    db: options.db,
    queue: options.queue,
    config: options.config,
    storage: options.storage,
    publicBaseUrl: options.publicBaseUrl,
    statementKey: options.statementKey,
  };
  app.decorateRequest('principal', null);

  await app.register(rateLimit, {
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    // Per API key (hashed, so the secret never sits in the limiter); per address without one.
    keyGenerator: (request) => {
      const key = request.headers['x-api-key'];
      return typeof key === 'string' && key ? `key:${hashApiKey(key)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new ApiError(
        'rate_limited',
        `Rate limit exceeded: at most ${context.max} requests per minute for this API key. Retry after ${Math.ceil(context.ttl / 1000)} s.`,
        [],
        {},
        { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
      ),
  });

  app.addHook('onRequest', async (request) => {
    const header = request.headers['x-request-id'];
    if (header !== undefined && (typeof header !== 'string' || !REQUEST_ID_PATTERN.test(header))) {
      throw new ApiError(
        'invalid_request',
        'X-Request-ID must be 1–255 printable ASCII characters.',
        [
          {
            path: 'headers.x-request-id',
            message: 'Must be 1–255 printable ASCII characters without spaces.',
          },
        ],
      );
    }
    if (request.routeOptions.config.public) return;
    const presented = request.headers['x-api-key'];
    if (presented === undefined || presented === '') {
      throw new ApiError('missing_api_key', 'Send your API key in the X-API-Key header.');
    }
    const principal =
      typeof presented === 'string'
        ? await authenticateApiKey(options.db, presented, {
            onError: (error) => request.log.warn({ err: error }, 'could not record API key use'),
          })
        : null;
    if (!principal)
      throw new ApiError('invalid_api_key', 'The API key is unknown or has been revoked.');
    request.principal = principal;
    request.log = request.log.child({
      accountId: principal.accountId,
      apiKey: principal.keyPrefix,
    });
  });

  for (const route of enterpriseRoutes) {
    app.route({
      method: route.method,
      url: toFastifyPath(route.path),
      bodyLimit: LIMITS.maxBodyBytes,
      handler: async (request, reply) => {
        const principal = request.principal;
        if (!principal)
          throw new ApiError('invalid_api_key', 'The API key is unknown or has been revoked.');
        const result = await route.handler({
          principal,
          body: route.body ? parseInput(route.body, request.body, []) : undefined,
          query: route.query ? parseInput(route.query, request.query, ['query']) : undefined,
          params: route.params ? parseInput(route.params, request.params, ['path']) : undefined,
          rawBody: request.body,
          requestId: request.id,
          clientRequestId: clientRequestId(request),
          baseUrl: options.publicBaseUrl ?? `${request.protocol}://${request.host}`,
          request,
          reply,
          deps,
        });
        if ('file' in result) {
          return reply
            .code(result.status)
            .headers(result.headers ?? {})
            .header('content-type', result.file.contentType)
            .header('content-disposition', `attachment; filename="${result.file.fileName}"`)
            .send(result.file.bytes);
        }
        const download = route.responses[result.status]?.download;
        return reply
          .code(result.status)
          .headers(
            download ? { 'content-type': download, ...result.headers } : (result.headers ?? {}),
          )
          .send(result.body);
      },
    });
  }

  const document = buildOpenApiDocument(enterpriseRoutes);
  app.get('/openapi.json', { config: { public: true } }, async () => document);
}

/** The readable API reference (Scalar, served from the package: no CDN) at `/api/enterprise/docs`. */
export async function apiReference(app: FastifyInstance) {
  await app.register(scalar, {
    routePrefix: '/api/enterprise/docs',
    configuration: {
      title: 'Batchreel API reference',
      url: '/api/enterprise/openapi.json',
      // Scalar's toolbar advertises its hosted services; clients reading our reference need none.
      showDeveloperTools: 'never',
      agent: { disabled: true },
    },
    logLevel: 'warn',
  });
}
