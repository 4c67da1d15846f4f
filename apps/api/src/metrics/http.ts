import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_PREFIX, metric } from './registry';

/** The label of requests no route matched (404s for arbitrary paths). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template (`/api/enterprise/video-batch/:id`), never the raw URL: ids and query
 * strings would give every request its own time series.
 */
export function routeLabel(request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * `batchreel_http_requests_total{method,route,status}` and
 * `batchreel_http_request_duration_seconds{method,route}`, recorded when each response is sent.
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry) {
  const requests = metric(
    registry,
    `${METRICS_PREFIX}http_requests_total`,
    () =>
      new Counter({
        name: `${METRICS_PREFIX}http_requests_total`,
        help: 'HTTP requests answered, by method, route template and status code.',
        labelNames: ['method', 'route', 'status'] as const,
        registers: [registry],
      }),
  );
  const duration = metric(
    registry,
    `${METRICS_PREFIX}http_request_duration_seconds`,
    () =>
      new Histogram({
        name: `${METRICS_PREFIX}http_request_duration_seconds`,
        help: 'Time from receiving a request to sending its response, by method and route template.',
        labelNames: ['method', 'route'] as const,
        // Admission of a 10,000-item batch legitimately takes seconds.
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  );
  app.addHook('onResponse', async (request, reply) => {
    const route = routeLabel(request);
    requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
