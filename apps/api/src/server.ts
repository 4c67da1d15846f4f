import { randomUUID } from 'node:crypto';
import type { Database } from '@batchreel/db';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { registerHealthRoutes } from './health/routes';
import type { Logger } from './platform/logger';
import type { Queue } from './platform/queue';

export interface ServerDeps {
  db: Database;
  queue: Queue;
  logger: Logger;
}

const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The HTTP server of Batchreel: health endpoints now; the public REST API, tRPC for the admin app
 * and the admin SPA are registered here as they arrive. Built without listening, so tests can
 * start it on any port.
 */
export async function buildServer(deps: ServerDeps) {
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
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  registerHealthRoutes(app, deps);
  return app;
}
