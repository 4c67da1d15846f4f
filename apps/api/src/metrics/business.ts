import {
  BatchStatus,
  type Database,
  Prisma,
  TaskStatus,
  WebhookDeliveryStatus,
} from '@batchreel/db';
import { Gauge, type Registry } from 'prom-client';
import { jobs } from '../jobs/definitions';
import { RESERVED_CREDITS } from '../ledger/availability';
import type { Logger } from '../platform/logger';
import { METRICS_PREFIX, metric } from './registry';

/** Scrapes within this window share one reading of the database. */
export const SNAPSHOT_TTL_MS = 5000;
/** A reading that takes longer is cancelled by PostgreSQL (and the scrape reports `db_up 0`). */
const STATEMENT_TIMEOUT_MS = 5000;

/** pg-boss states reported per queue: ready to run now, delayed, being worked, kept after failing. */
export const QUEUE_STATES = ['waiting', 'deferred', 'active', 'failed'] as const;
type QueueState = (typeof QUEUE_STATES)[number];
const QUEUE_NAMES = Object.values(jobs).map((job) => job.name);

type Counts = Record<string, number>;

/** What one scrape reports, read from the database in one consistent snapshot. */
export interface BusinessSnapshot {
  batchesByStatus: Counts;
  batchesWithIntegrityError: number;
  tasksByStatus: Counts;
  creditsFrozen: number;
  creditsReserved: number;
  creditsCharged: number;
  creditsRefunded: number;
  queues: Record<string, { depth: Record<QueueState, number>; oldestWaitingSeconds: number }>;
  webhookDeliveriesByStatus: Counts;
  webhookAttempts: { delivered: number; failed: number };
  dbConnectionsByState: Counts;
  dbMaxConnections: number;
}

const zeroes = (keys: readonly string[]): Counts => Object.fromEntries(keys.map((k) => [k, 0]));

type BatchRow = {
  status: string;
  settled: boolean;
  batches: number;
  flagged: number;
  frozen: number;
  reserved: number;
  refunded: number;
  succeeded: number;
  failed: number;
  canceled: number;
};

/**
 * Reads every business figure in one REPEATABLE READ transaction (so a batch settling meanwhile
 * is counted exactly once). Each statement is a grouped aggregate sized by batches, not tasks:
 * settled batches contribute their settlement counters (`success_count`, `refunded_credits`, …),
 * and only the tasks and refunds of unsettled batches are counted row by row, through the
 * `video_tasks (batch_id, status, …)` and `credit_ledger (ref_id)` indexes. Queue figures use
 * pg-boss's partial index on live jobs `(name, state, blocked, start_after)`.
 */
export async function readBusinessSnapshot(db: Database): Promise<BusinessSnapshot> {
  const [, batchRows, openTasks, openRefunds, queueRows, deliveries, attempts, connections, max] =
    await db.$transaction(
      [
        db.$queryRaw`SELECT set_config('statement_timeout', ${String(STATEMENT_TIMEOUT_MS)}, true)`,
        db.$queryRaw<BatchRow[]>`
          SELECT status::text AS status,
                 settlement_status <> 'pending' AS settled,
                 count(*)::float8 AS batches,
                 count(*) FILTER (WHERE integrity_error IS NOT NULL)::float8 AS flagged,
                 COALESCE(sum(frozen_credits), 0)::float8 AS frozen,
                 ${RESERVED_CREDITS}::float8 AS reserved,
                 COALESCE(sum(refunded_credits), 0)::float8 AS refunded,
                 COALESCE(sum(success_count), 0)::float8 AS succeeded,
                 COALESCE(sum(failed_count), 0)::float8 AS failed,
                 COALESCE(sum(canceled_count), 0)::float8 AS canceled
            FROM batch_jobs b
           GROUP BY 1, 2`,
        db.$queryRaw<{ status: string; tasks: number }[]>`
          SELECT t.status::text AS status, count(*)::float8 AS tasks
            FROM batch_jobs b JOIN video_tasks t ON t.batch_id = b.id
           WHERE b.settlement_status = 'pending'
           GROUP BY 1`,
        db.$queryRaw<{ refunded: number }[]>`
          SELECT COALESCE(sum(l.credits_delta), 0)::float8 AS refunded
            FROM batch_jobs b
            JOIN credit_ledger l ON l.ref_id = b.id AND l.ref_type = 'batch_refund'
           WHERE b.settlement_status = 'pending'`,
        db.$queryRaw<{ name: string; state: string; jobs: number; oldest: number | null }[]>`
          SELECT name,
                 CASE WHEN state IN ('created', 'retry')
                      THEN CASE WHEN start_after > now() THEN 'deferred' ELSE 'waiting' END
                      ELSE state::text END AS state,
                 count(*)::float8 AS jobs,
                 EXTRACT(EPOCH FROM now() - min(start_after))::float8 AS oldest
            FROM pgboss.job
           WHERE name = ANY(${QUEUE_NAMES}::text[])
             AND state IN ('created', 'retry', 'active', 'failed')
           GROUP BY 1, 2`,
        db.$queryRaw<{ status: string; deliveries: number }[]>`
          SELECT status::text AS status, count(*)::float8 AS deliveries
            FROM webhook_deliveries GROUP BY 1`,
        db.$queryRaw<{ delivered: number; failed: number }[]>`
          SELECT count(*) FILTER (WHERE status_code BETWEEN 200 AND 299)::float8 AS delivered,
                 count(*) FILTER (WHERE status_code IS NULL OR status_code NOT BETWEEN 200 AND 299)::float8 AS failed
            FROM webhook_attempts`,
        // Every client connection of the server counts against max_connections, whatever its
        // database; without pg_read_all_stats, other roles' sessions show no state.
        db.$queryRaw<{ state: string; connections: number }[]>`
          SELECT COALESCE(state, 'unknown') AS state, count(*)::float8 AS connections
            FROM pg_stat_activity WHERE backend_type = 'client backend' GROUP BY 1`,
        db.$queryRaw<{ max: number }[]>`
          SELECT current_setting('max_connections')::float8 AS max`,
      ],
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead },
    );

  const snapshot: BusinessSnapshot = {
    batchesByStatus: zeroes(Object.values(BatchStatus)),
    batchesWithIntegrityError: 0,
    tasksByStatus: zeroes(Object.values(TaskStatus)),
    creditsFrozen: 0,
    creditsReserved: 0,
    creditsCharged: 0,
    creditsRefunded: openRefunds[0]?.refunded ?? 0,
    queues: {},
    webhookDeliveriesByStatus: zeroes(Object.values(WebhookDeliveryStatus)),
    webhookAttempts: { delivered: attempts[0]?.delivered ?? 0, failed: attempts[0]?.failed ?? 0 },
    dbConnectionsByState: {},
    dbMaxConnections: max[0]?.max ?? 0,
  };
  const add = (counts: Counts, key: string, value: number) => {
    counts[key] = (counts[key] ?? 0) + value;
  };
  for (const row of batchRows) {
    add(snapshot.batchesByStatus, row.status, row.batches);
    snapshot.batchesWithIntegrityError += row.flagged;
    snapshot.creditsCharged += row.frozen;
    snapshot.creditsReserved += row.reserved;
    if (row.status === BatchStatus.processing) snapshot.creditsFrozen += row.frozen;
    if (row.settled) {
      snapshot.creditsRefunded += row.refunded;
      add(snapshot.tasksByStatus, TaskStatus.succeeded, row.succeeded);
      add(snapshot.tasksByStatus, TaskStatus.failed, row.failed);
      add(snapshot.tasksByStatus, TaskStatus.canceled, row.canceled);
    }
  }
  for (const row of openTasks) add(snapshot.tasksByStatus, row.status, row.tasks);
  for (const name of QUEUE_NAMES) {
    snapshot.queues[name] = {
      depth: { waiting: 0, deferred: 0, active: 0, failed: 0 },
      oldestWaitingSeconds: 0,
    };
  }
  for (const row of queueRows) {
    const queue = snapshot.queues[row.name];
    if (!queue || !(QUEUE_STATES as readonly string[]).includes(row.state)) continue;
    queue.depth[row.state as QueueState] = row.jobs;
    if (row.state === 'waiting') queue.oldestWaitingSeconds = Math.max(0, row.oldest ?? 0);
  }
  for (const row of deliveries) add(snapshot.webhookDeliveriesByStatus, row.status, row.deliveries);
  for (const row of connections) add(snapshot.dbConnectionsByState, row.state, row.connections);
  return snapshot;
}

/**
 * Gauges read from the database when Prometheus scrapes (not counters kept in memory), so every
 * API process reports the same figures whichever process did the work. Readings are cached for
 * `SNAPSHOT_TTL_MS` and concurrent scrapes share one. When the database does not answer, the
 * business gauges are left out and `batchreel_metrics_db_up` is 0.
 */
export function registerBusinessMetrics(
  registry: Registry,
  deps: { db: Database; logger: Logger },
  options: { ttlMs?: number } = {},
) {
  const ttlMs = options.ttlMs ?? SNAPSHOT_TTL_MS;
  let cached: { at: number; reading: Promise<BusinessSnapshot | null> } | null = null;
  let lastDurationSeconds = 0;

  const read = (): Promise<BusinessSnapshot | null> => {
    const now = Date.now();
    if (cached && now - cached.at < ttlMs) return cached.reading;
    const reading = readBusinessSnapshot(deps.db).then(
      (snapshot) => {
        lastDurationSeconds = (Date.now() - now) / 1000;
        return snapshot;
      },
      (error: unknown) => {
        lastDurationSeconds = (Date.now() - now) / 1000;
        deps.logger.warn({ err: error, component: 'metrics' }, 'metrics: database reading failed');
        return null;
      },
    );
    cached = { at: now, reading };
    return reading;
  };

  /** A gauge whose samples come from the snapshot; without one it has no samples. */
  const gauge = <L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (set: (labels: Record<L, string>, value: number) => void, s: BusinessSnapshot) => void,
  ) =>
    metric(
      registry,
      `${METRICS_PREFIX}${name}`,
      () =>
        new Gauge<L>({
          name: `${METRICS_PREFIX}${name}`,
          help,
          labelNames,
          registers: [registry],
          async collect() {
            const snapshot = await read();
            this.reset();
            if (snapshot) fill((labels, value) => this.set(labels, value), snapshot);
          },
        }),
    );
  /** One sample per entry of the picked counts, labelled `label="<key>"`. */
  const each =
    <L extends string>(label: L, pick: (s: BusinessSnapshot) => Counts) =>
    (set: (labels: Record<L, string>, value: number) => void, s: BusinessSnapshot) => {
      for (const [key, value] of Object.entries(pick(s))) {
        set({ [label]: key } as Record<L, string>, value);
      }
    };
  const none = {} as Record<never, string>;

  metric(
    registry,
    `${METRICS_PREFIX}metrics_db_up`,
    () =>
      new Gauge({
        name: `${METRICS_PREFIX}metrics_db_up`,
        help: '1 when the database answered the metrics queries of this scrape, else 0 (and the business gauges are absent).',
        registers: [registry],
        async collect() {
          this.set((await read()) ? 1 : 0);
        },
      }),
  );
  metric(
    registry,
    `${METRICS_PREFIX}metrics_db_query_seconds`,
    () =>
      new Gauge({
        name: `${METRICS_PREFIX}metrics_db_query_seconds`,
        help: 'How long the last database reading for the business gauges took.',
        registers: [registry],
        async collect() {
          await read();
          this.set(lastDurationSeconds);
        },
      }),
  );

  gauge(
    'batches',
    'Batches by status.',
    ['status'],
    each('status', (s) => s.batchesByStatus),
  );
  gauge(
    'batches_integrity_error',
    'Batches whose settlement found the money invariant broken (integrity_error set); should be 0.',
    [],
    (set, s) => set(none, s.batchesWithIntegrityError),
  );
  gauge(
    'tasks',
    'Video tasks by status.',
    ['status'],
    each('status', (s) => s.tasksByStatus),
  );
  gauge(
    'credits_frozen',
    'Credits pre-deducted for batches now processing (Σ frozen_credits).',
    [],
    (set, s) => set(none, s.creditsFrozen),
  );
  gauge(
    'credits_reserved',
    'Credits reserved by admitted batches not yet frozen (Σ required_credits of queued batches).',
    [],
    (set, s) => set(none, s.creditsReserved),
  );
  gauge(
    'credits_charged',
    'Credits ever pre-deducted for batches (Σ batch_upfront); grows only.',
    [],
    (set, s) => set(none, s.creditsCharged),
  );
  gauge(
    'credits_refunded',
    'Credits ever refunded for failed or canceled tasks (Σ batch_refund); grows only.',
    [],
    (set, s) => set(none, s.creditsRefunded),
  );
  gauge(
    'queue_depth',
    'pg-boss jobs per queue: waiting (ready to run now), deferred (scheduled later), active, failed (retained).',
    ['queue', 'state'],
    (set, s) => {
      for (const [queue, { depth }] of Object.entries(s.queues)) {
        for (const state of QUEUE_STATES) set({ queue, state }, depth[state]);
      }
    },
  );
  gauge(
    'queue_oldest_waiting_seconds',
    'Age of the oldest job ready to run but not yet picked up, per pg-boss queue (0 when none waits).',
    ['queue'],
    (set, s) => {
      for (const [queue, q] of Object.entries(s.queues)) set({ queue }, q.oldestWaitingSeconds);
    },
  );
  gauge(
    'webhook_deliveries',
    'Webhook deliveries by status.',
    ['status'],
    each('status', (s) => s.webhookDeliveriesByStatus),
  );
  gauge(
    'webhook_attempts',
    'Webhook delivery attempts ever made, by outcome (failed: no 2xx answer, a timeout or a refused destination).',
    ['outcome'],
    (set, s) => {
      set({ outcome: 'delivered' }, s.webhookAttempts.delivered);
      set({ outcome: 'failed' }, s.webhookAttempts.failed);
    },
  );
  gauge(
    'db_connections',
    'Client connections to the PostgreSQL server (all databases), by state.',
    ['state'],
    each('state', (s) => s.dbConnectionsByState),
  );
  gauge('db_max_connections', 'PostgreSQL max_connections.', [], (set, s) =>
    set(none, s.dbMaxConnections),
  );
}
