import { createHash, timingSafeEqual } from 'node:crypto';
import type { Database } from '@batchreel/db';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from '../platform/logger';
import { registerBusinessMetrics } from './business';
import { registerHttpMetrics } from './http';

export interface MetricsOptions {
  db: Database;
  logger: Logger;
  registry: Registry;
  /** When set, `GET /metrics` requires `Authorization: Bearer <token>`. */
  token: string | null;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Compares in constant time (hashing first makes the lengths equal). */
function bearerMatches(request: FastifyRequest, token: string): boolean {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), digest(token));
}

/**
 * `GET /metrics`: Prometheus text exposition of this process's HTTP and worker metrics, process
 * metrics and the business gauges read from the database. Open unless `METRICS_TOKEN` is set.
 */
export function registerMetrics(app: FastifyInstance, options: MetricsOptions) {
  const { registry, token } = options;
  registerHttpMetrics(app, registry);
  registerBusinessMetrics(registry, options);

  app.get('/metrics', async (request, reply) => {
    if (token && !bearerMatches(request, token)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .send({
          ok: false,
          error: {
            code: 'unauthorized',
            message: 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.',
            details: [],
          },
          request_id: request.id,
        });
    }
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });
}
