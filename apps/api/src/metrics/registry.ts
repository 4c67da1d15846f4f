import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Every metric this service exposes starts with this (process metrics included). */
export const METRICS_PREFIX = 'batchreel_';

/**
 * A Prometheus registry for one process, with Node's process metrics (CPU, memory, event-loop
 * lag, GC, handles) under the `batchreel_` prefix. One per process: `main.ts` hands the same
 * registry to the HTTP server and the worker, so a process running both exposes both.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });
  return registry;
}

/** The registry's metric of that name, or a new one registered in it (idempotent). */
export function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export type JobOutcome = 'completed' | 'failed';

/**
 * Counters of the pg-boss handlers of this process. They exist only in the process that runs the
 * worker: a separate `--role worker` process has no HTTP server to expose them, so alerting relies
 * on the database-backed gauges (`business.ts`), which every API process reports alike.
 */
export function workerMetrics(registry: Registry) {
  const jobs = metric(
    registry,
    `${METRICS_PREFIX}worker_jobs_total`,
    () =>
      new Counter({
        name: `${METRICS_PREFIX}worker_jobs_total`,
        help: 'Jobs handled by the worker in this process, by queue and outcome (failed: the handler threw and pg-boss will retry the job).',
        labelNames: ['queue', 'outcome'] as const,
        registers: [registry],
      }),
  );
  const duration = metric(
    registry,
    `${METRICS_PREFIX}worker_handler_duration_seconds`,
    () =>
      new Histogram({
        name: `${METRICS_PREFIX}worker_handler_duration_seconds`,
        help: 'Time one handler call took (one fetch of jobs), by queue.',
        labelNames: ['queue'] as const,
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
  );
  return {
    /** Runs a handler for `count` jobs of `queue` and records how it went; rethrows failures. */
    async track<T>(queue: string, count: number, handler: () => Promise<T>): Promise<T> {
      const stop = duration.startTimer({ queue });
      try {
        const result = await handler();
        jobs.inc({ queue, outcome: 'completed' satisfies JobOutcome }, count);
        return result;
      } catch (error) {
        jobs.inc({ queue, outcome: 'failed' satisfies JobOutcome }, count);
        throw error;
      } finally {
        stop();
      }
    },
  };
}

export type WorkerMetrics = ReturnType<typeof workerMetrics>;
