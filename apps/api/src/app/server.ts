import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Database } from '@batchreel/db';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { registerDemoReceiver } from '../demo/receiver-routes';
import { registerHealthRoutes } from '../health/routes';
import { registerErrorHandling } from '../http/error-handler';
import { clientErrorHandler, frameworkErrors, refuseMalformed } from '../http/framework-errors';
import { createMetricsRegistry } from '../metrics/registry';
import { registerMetrics } from '../metrics/routes';
import { registerSignedObjectRoute } from '../outputs/file-routes';
import type { Logger } from '../platform/logger';
import { type Storage, temporaryStorage } from '../platform/object-store';
import type { OwnEndpoint } from '../platform/outbound';
import type { Queue } from '../platform/queue';
import { registerSimulatorRoutes } from '../providers/routes';
import { registerAdminApp } from './admin-app';
import {
  apiReference,
  ENTERPRISE_PREFIX,
  enterpriseApi,
  REQUEST_ID_PATTERN,
} from './enterprise-api';

export interface ServerConfig {
  /** Allow http:// webhook URLs (local development and tests); https only otherwise. */
  allowPrivateNetworks: boolean;
  /** Requests per minute per API key on the public API. */
  rateLimitPerMinute: number;
  /** Bearer token `GET /metrics` requires; null leaves it open (protect it at the network). */
  metricsToken: string | null;
  /**
   * The demo webhook receiver (src/demo/receiver.ts): served here and accepted as a
   * `webhook_url`, when set (`SEED_DEMO` or `DEMO_WEBHOOK_RECEIVER`); null: off.
   */
  demoWebhookReceiver: OwnEndpoint | null;
  /** `PUBLIC_BASE_URL`: the address links in answers use; null: each request's own address. */
  publicBaseUrl: string | null;
}

export interface ServerDeps {
  db: Database;
  queue: Queue;
  logger: Logger;
  config?: Partial<ServerConfig>;
  /** The process's Prometheus registry (shared with the worker); a new one when absent. */
  metrics?: Registry;
  /** Ed25519 key that signs settlement statements (a throwaway one when absent, e.g. in tests). */
  statementKey?: import('node:crypto').KeyObject | undefined;
  /**
   * Where videos are kept (the worker writes them, this server delivers them); a throwaway
   * filesystem store when absent (tests that never look at a video).
   */
  storage?: Storage | undefined;
  /** The built admin SPA (`apps/admin/dist`), served at /admin when present. */
  adminAssetsDir?: string | undefined;
}

export const DEFAULT_SERVER_CONFIG: ServerConfig = {
  allowPrivateNetworks: false,
  rateLimitPerMinute: 600,
  metricsToken: null,
  demoWebhookReceiver: null,
  publicBaseUrl: null,
};

/**
 * The HTTP server of Batchreel: health endpoints, Prometheus metrics (`/metrics`), the public REST
 * API (with its OpenAPI document and reference page), and the admin app (tRPC at /trpc, the SPA at
 * /admin).
 * Built without listening, so tests can start it on any port.
 */
export async function buildServer(given: ServerDeps) {
  // One key signs every statement this process issues, on the public API and in the admin.
  const deps = {
    ...given,
    statementKey: given.statementKey ?? generateKeyPairSync('ed25519').privateKey,
  };
  const config = { ...DEFAULT_SERVER_CONFIG, ...deps.config };
  const storage = deps.storage ?? temporaryStorage();
  const app = Fastify({
    // Typed as Fastify's logger interface so route plugins see one FastifyInstance type.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // A client's X-Request-ID (printable, ≤ 255 chars) names the request in our logs and answer;
    // otherwise we mint one.
    genReqId: (request) => {
      const header = request.headers['x-request-id'];
      return typeof header === 'string' && REQUEST_ID_PATTERN.test(header)
        ? header
        : `req_${randomUUID()}`;
    },
    // Behind a load balancer, rate limits and logs should see the client, not the balancer.
    trustProxy: true,
    // Malformed HTTP and URLs get the error envelope (docs/product.md §3) too, not Fastify's or Node's own answers.
    frameworkErrors,
    clientErrorHandler,
    // Node would refuse a Host-less HTTP/1.1 request with a bare 400; `refuseMalformed` answers it.
    http: { requireHostHeader: false },
  });
  refuseMalformed(app);
  // JSON only: a text/plain body is refused with 415 rather than parsed as a string.
  app.removeContentTypeParser(['text/plain']);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerErrorHandling(app);
  registerMetrics(app, {
    db: deps.db,
    logger: deps.logger,
    registry: deps.metrics ?? createMetricsRegistry(),
    token: config.metricsToken,
  });
  registerHealthRoutes(app, deps);
  registerSimulatorRoutes(app, deps.db);
  registerSignedObjectRoute(app, storage);
  await app.register(enterpriseApi, {
    prefix: ENTERPRISE_PREFIX,
    db: deps.db,
    queue: deps.queue,
    storage,
    publicBaseUrl: config.publicBaseUrl,
    config: {
      allowPrivateNetworks: config.allowPrivateNetworks,
      ownEndpoint: config.demoWebhookReceiver,
    },
    rateLimitPerMinute: config.rateLimitPerMinute,
    statementKey: deps.statementKey,
  });
  await app.register(apiReference);
  if (config.demoWebhookReceiver) {
    await registerDemoReceiver(app, { db: deps.db, endpoint: config.demoWebhookReceiver });
  }
  await registerAdminApp(app, { ...deps, storage });
  return app;
}
