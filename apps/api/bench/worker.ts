// Worker throughput benchmark (`pnpm --filter @batchreel/api exec tsx bench/worker.ts`).
//
// Starts the whole system in this process, as `pnpm start` does (`--role all`): the real server
// (buildServer + listen on 127.0.0.1), a real pg-boss and the real worker (startWorker) with the
// built-in simulator at zero latency, on a freshly migrated PostgreSQL. Then:
//
//  1. Drain: a 10,000-item batch is admitted over real HTTP and timed until the database says it
//     is settled (`batch_jobs.settlement_status <> 'pending'`, polled every 20 ms). In the same
//     run, on the same database and pg-boss instance, 10,000 no-op jobs go through a bare pg-boss
//     queue with the same queue policy, payload size, group and work() options as the worker's
//     `task-run` queue. Both are repeated and compared by median.
//  2. Failure: a 10,000-item batch whose every prompt the simulator refuses
//     (`[sim:content_policy]`), timed from admission until it is settled with every refund
//     written; the refunds are counted afterwards.
//  3. The seeded `sora-2` model (max_concurrency 8, enforced by pg-boss `groupConcurrency`): the
//     same drain, for the figure a real model limit gives.
//  4. Phases: with no worker running, the bench does a fetch loop's steps itself (fetch,
//     runTaskJobs, complete) on a frozen batch, and times each, and the same for bare pg-boss.
//
// The throughput runs use a model the bench creates, `bench-fast` (max_concurrency 1000), so that
// the per-model limit is not what is measured.
//
// It is a report, not a test: it exits 0 when it ran, and says MISSED when a target is missed. A
// wrong outcome (a batch that does not settle as expected, a missing refund) aborts it with 1.
// See docs/benchmarks.md for what is measured and the figures from this machine. Its flags: USAGE
// below, or `--help`.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@batchreel/db';
import pg from 'pg';
import type { Job, WorkOptions } from 'pg-boss';
import { z } from 'zod';
import { startWorker } from '../src/app/worker';
import { admitBatch } from '../src/batches/admission';
import { CreateBatchRequestSchema } from '../src/batches/schemas';
import { DEMO } from '../src/demo/seed';
import { loadEnv } from '../src/env';
import { freezeBatch } from '../src/execution/freeze';
import { runTaskJobs } from '../src/execution/run-tasks';
import { lockBatches, settleIfComplete } from '../src/execution/settle';
import { jobs } from '../src/jobs/definitions';
import type { Logger } from '../src/platform/logger';
import { temporaryStorage } from '../src/platform/object-store';
import { type Queue, startQueue } from '../src/platform/queue';
import { createProviderRegistry } from '../src/providers/registry';
import { batchBody as benchBody } from './support/bodies';
import {
  type BenchRun,
  grantBenchCredits,
  openBench,
  printBenchHeader,
  runBench,
  startBenchServer,
} from './support/bootstrap';
import { benchFlags } from './support/flags';
import { fixed, median, table } from './support/stats';

// ---------------------------------------------------------------------------------------------
// Plan

const USAGE = `usage: pnpm --filter @batchreel/api bench:worker [--quick] [--tune] [--no-sora]
         [--sora-tasks=N] [--no-phases] [--durable] [--batch-size=N] [--concurrency=N] [--polling=S]

  --quick          smoke run: 1,000 tasks, one repetition (figures not meaningful)
  --tune           also drain with alternative worker settings (batch size, loops, burst)
  --no-sora        skip the sora-2 (limit 8) drain
  --sora-tasks=N   size of the sora-2 batch (default 2,000; 200 with --quick)
  --no-phases      skip the step-by-step breakdown of one handler call
  --durable        embedded PostgreSQL with fsync and synchronous_commit ON (default: off, like
                   the test cluster); ignored with DATABASE_URL
  --batch-size=N --concurrency=N --polling=S
                   worker settings to measure instead of the shipped defaults`;

const flags = benchFlags(USAGE);
const QUICK = flags.has('--quick');
const DURABLE = flags.has('--durable');
const TUNE = flags.has('--tune');
const SORA = !flags.has('--no-sora');
const PHASES = !flags.has('--no-phases');
const numberFlag = flags.number;

const TASKS = QUICK ? 1_000 : 10_000;
const REPS = QUICK ? 1 : 3;
const FAILURE_REPS = QUICK ? 1 : 3;
const SORA_TASKS = numberFlag('sora-tasks') ?? (QUICK ? 200 : 2_000);
const TARGET_TASKS_PER_SECOND = 1_000;
const TARGET_RATIO = 0.5;
const TARGET_FAILURE_SECONDS = 15;
/** How often the bench asks the database whether the batch has settled. */
const POLL_MS = 20;

/** The model the throughput runs use: the simulator, 1 credit, a concurrency limit of 1,000. */
const FAST_MODEL = 'bench-fast';
const BARE_QUEUE = 'bench-noop';

interface WorkerSettings {
  label: string;
  batchSize: number;
  concurrency: number;
  pollingSeconds: number;
  /**
   * What-if only, not a startWorker option: pg-boss `burstWhenBatchFull` injected into the
   * worker's task-run work() (and the bare queue's), so a loop whose fetch came back full fetches
   * again at once instead of waiting for the next poll.
   */
  burst?: boolean;
}

// The shipped defaults (WORKER_TASK_BATCH_SIZE, WORKER_TASK_CONCURRENCY, WORKER_POLL_SECONDS).
const envDefaults = loadEnv({});
const SHIPPED: WorkerSettings = {
  label: 'shipped defaults',
  batchSize: numberFlag('batch-size') ?? envDefaults.WORKER_TASK_BATCH_SIZE,
  concurrency: numberFlag('concurrency') ?? envDefaults.WORKER_TASK_CONCURRENCY,
  pollingSeconds: numberFlag('polling') ?? envDefaults.WORKER_POLL_SECONDS,
};
if (['batch-size', 'concurrency', 'polling'].some((name) => numberFlag(name) !== undefined)) {
  SHIPPED.label = 'from flags';
}

const ALTERNATIVES: WorkerSettings[] = [
  { label: 'batch 100', batchSize: 100, concurrency: 4, pollingSeconds: 0.5 },
  { label: 'batch 250', batchSize: 250, concurrency: 4, pollingSeconds: 0.5 },
  { label: 'batch 500', batchSize: 500, concurrency: 4, pollingSeconds: 0.5 },
  { label: '16 loops', batchSize: 50, concurrency: 16, pollingSeconds: 0.5 },
  { label: 'burst', batchSize: 50, concurrency: 4, pollingSeconds: 0.5, burst: true },
  { label: 'batch 250, burst', batchSize: 250, concurrency: 4, pollingSeconds: 0.5, burst: true },
];

const describe = (s: WorkerSettings) =>
  `batch ${s.batchSize} × ${s.concurrency} loops, poll ${s.pollingSeconds} s${s.burst ? ', burst' : ''}`;

// ---------------------------------------------------------------------------------------------
// Helpers

const int = (value: number) => Math.round(value).toLocaleString('en-US');

/** A batch of `items` prompts; failing ones carry the simulator's `[sim:content_policy]` tag. */
function batchBody(items: number, model: string, failing: boolean): string {
  return benchBody(items, {
    model,
    source: 'bench-worker',
    promptSuffix: failing ? ' [sim:content_policy]' : '',
  });
}

// ---------------------------------------------------------------------------------------------
// Handler accounting: how many handler calls, jobs and milliseconds inside handlers a run took

interface HandlerStats {
  calls: number;
  jobs: number;
  busyMs: number;
}

const newStats = (): HandlerStats => ({ calls: 0, jobs: 0, busyMs: 0 });

type WorkHandlerFn = (jobList: Job<unknown>[]) => Promise<unknown>;
type WorkFn = (name: string, options: WorkOptions, handler: WorkHandlerFn) => Promise<string>;

/**
 * Wraps the queue's work() so the `task-run` handler (the worker's) and the bare queue's handler
 * are timed, and, for a what-if setting, pg-boss options startWorker does not expose are added.
 * The timing is two performance.now() calls per fetched batch of jobs.
 */
function instrumentQueue(queue: Queue, extra: Partial<WorkOptions>, current: () => HandlerStats) {
  const original = queue.work.bind(queue) as unknown as WorkFn;
  const work: WorkFn = (name, options, handler) => {
    if (name !== jobs.taskRun.name && name !== BARE_QUEUE) return original(name, options, handler);
    return original(name, { ...options, ...extra }, async (jobList) => {
      const started = performance.now();
      try {
        return await handler(jobList);
      } finally {
        const stats = current();
        stats.calls++;
        stats.jobs += jobList.length;
        stats.busyMs += performance.now() - started;
      }
    });
  };
  Object.assign(queue, { work });
}

// ---------------------------------------------------------------------------------------------
// The system under test: server + worker + pg-boss in this process, as `pnpm start` runs it

interface System {
  settings: WorkerSettings;
  queue: Queue;
  baseUrl: string;
  /** Stats of the run in progress; replaced by each run. */
  stats: HandlerStats;
  groupConcurrency: { default: number; tiers: Record<string, number> };
  stop(): Promise<void>;
}

async function startSystem(
  connectionString: string,
  db: Database,
  logger: Logger,
  settings: WorkerSettings,
): Promise<System> {
  // Pool of 10, as main.ts gives a process that runs the worker.
  const queue = await startQueue(connectionString, logger, 10);
  const system: System = {
    settings,
    queue,
    baseUrl: '',
    stats: newStats(),
    groupConcurrency: { default: 8, tiers: {} },
    stop: async () => {},
  };
  instrumentQueue(queue, settings.burst ? { burstWhenBatchFull: true } : {}, () => system.stats);
  const server = await startBenchServer({ db, queue, logger });
  system.baseUrl = server.baseUrl;
  try {
    await startWorker({
      db,
      queue,
      logger,
      providers: createProviderRegistry({
        simulator: { latencyMs: 0, taskTimeoutMs: 10_000, publicBaseUrl: system.baseUrl },
      }),
      retry: {
        maxAttempts: envDefaults.TASK_MAX_ATTEMPTS,
        baseDelayMs: envDefaults.TASK_RETRY_BASE_MS,
      },
      // Every succeeded video is kept, as in production: the bench times that copy too.
      storage: temporaryStorage(),
      taskBatchSize: settings.batchSize,
      taskConcurrency: settings.concurrency,
      pollingIntervalSeconds: settings.pollingSeconds,
      webhooks: {
        policy: {
          timeoutMs: envDefaults.WEBHOOK_TIMEOUT_MS,
          retryScheduleMs: envDefaults.WEBHOOK_RETRY_SCHEDULE,
        },
        outbound: { allowPrivateNetworks: false },
        concurrency: envDefaults.WEBHOOK_CONCURRENCY,
      },
    });
    // The same policy as task-run, on its own queue, for the bare pg-boss comparison.
    await queue.createQueue(BARE_QUEUE, jobs.taskRun.queue);
    // The same group limits startWorker gives the task-run queue.
    const models = await db.model.findMany({ select: { id: true, maxConcurrency: true } });
    system.groupConcurrency.tiers = Object.fromEntries(models.map((m) => [m.id, m.maxConcurrency]));
  } catch (error) {
    await server.close();
    await queue.stop({ graceful: false });
    throw error;
  }
  system.stop = async () => {
    await server.close();
    await queue.stop({ graceful: true, timeout: 10_000 });
  };
  return system;
}

// ---------------------------------------------------------------------------------------------
// One drain of a batch through the worker

interface DrainResult {
  tasks: number;
  seconds: number;
  admissionMs: number;
  /** Admission answered → batch frozen (batch-start job picked up and its transaction began). */
  toFreezeMs: number;
  /** Freeze began → first task marked running (freeze transaction, 10,000 job rows, next poll). */
  freezeToFirstTaskMs: number;
  /** First task running → last task finished. */
  tasksMs: number;
  /** Last task finished → the poll saw the batch settled. */
  settleSeenMs: number;
  stats: HandlerStats;
}

interface BatchRow {
  status: string;
  settlement_status: string;
  success_count: number;
  failed_count: number;
  started_at: Date | null;
  first_task: Date | null;
  last_task: Date | null;
  refunds: number;
  refunded: number;
}

async function drainBatch(
  system: System,
  poller: pg.Client,
  options: { tasks: number; model: string; failing: boolean; price: number },
): Promise<DrainResult> {
  const body = batchBody(options.tasks, options.model, options.failing);
  system.stats = newStats();
  const wallStart = Date.now();
  const started = performance.now();
  const response = await fetch(`${system.baseUrl}/api/enterprise/video-batch`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': DEMO.apiKey,
      'x-request-id': `bench-${randomUUID()}`,
    },
    body,
  });
  const text = await response.text();
  const admissionMs = performance.now() - started;
  if (response.status !== 202) {
    throw new Error(`admission answered ${response.status}: ${text.slice(0, 500)}`);
  }
  const { batch_id: batchId } = JSON.parse(text) as { batch_id: string };

  // Generous: even the slowest configuration drains far faster than 20 tasks/s.
  const deadline = started + 60_000 + options.tasks * 50;
  let seconds = 0;
  for (;;) {
    const { rows } = await poller.query<{ settlement_status: string }>(
      'SELECT settlement_status FROM batch_jobs WHERE id = $1',
      [batchId],
    );
    const now = performance.now();
    if (rows[0] && rows[0].settlement_status !== 'pending') {
      seconds = (now - started) / 1000;
      break;
    }
    if (now > deadline)
      throw new Error(`batch ${batchId} did not settle within ${deadline - started} ms`);
    await sleep(POLL_MS);
  }
  const wallSettledSeen = wallStart + seconds * 1000;

  const { rows } = await poller.query<BatchRow>(
    `SELECT b.status, b.settlement_status, b.success_count, b.failed_count, b.started_at,
            (SELECT min(started_at) FROM video_tasks WHERE batch_id = b.id) AS first_task,
            (SELECT max(finished_at) FROM video_tasks WHERE batch_id = b.id) AS last_task,
            (SELECT count(*)::int FROM credit_ledger
              WHERE ref_type = 'batch_refund' AND ref_id = b.id) AS refunds,
            (SELECT COALESCE(sum(credits_delta), 0)::int FROM credit_ledger
              WHERE ref_type = 'batch_refund' AND ref_id = b.id) AS refunded
       FROM batch_jobs AS b WHERE b.id = $1`,
    [batchId],
  );
  const row = rows[0];
  if (!row) throw new Error(`batch ${batchId} vanished`);
  const expected = options.failing
    ? {
        status: 'failed',
        settlement_status: 'refunded',
        success_count: 0,
        failed_count: options.tasks,
        refunds: options.tasks,
        refunded: options.tasks * options.price,
      }
    : {
        status: 'completed',
        settlement_status: 'settled',
        success_count: options.tasks,
        failed_count: 0,
        refunds: 0,
        refunded: 0,
      };
  for (const [key, value] of Object.entries(expected)) {
    const actual = row[key as keyof typeof expected];
    if (actual !== value) {
      throw new Error(`batch ${batchId}: ${key} is ${String(actual)}, expected ${String(value)}`);
    }
  }
  const at = (date: Date | null) => date?.getTime() ?? Number.NaN;
  return {
    tasks: options.tasks,
    seconds,
    admissionMs,
    toFreezeMs: at(row.started_at) - (wallStart + admissionMs),
    freezeToFirstTaskMs: at(row.first_task) - at(row.started_at),
    tasksMs: at(row.last_task) - at(row.first_task),
    settleSeenMs: wallSettledSeen - at(row.last_task),
    stats: system.stats,
  };
}

// ---------------------------------------------------------------------------------------------
// One drain of no-op jobs through bare pg-boss, with the worker's queue policy and work() options

interface BareResult {
  jobs: number;
  seconds: number;
  insertMs: number;
  stats: HandlerStats;
}

async function drainBare(
  system: System,
  poller: pg.Client,
  options: { jobs: number; model: string; grouped: boolean },
): Promise<BareResult> {
  // The task-run payload ({ taskId, batchId }) and group ({ id: model, tier: model }).
  const batchId = randomUUID();
  const rows = Array.from({ length: options.jobs }, () => ({
    data: { taskId: randomUUID(), batchId },
    ...(options.grouped ? { group: { id: options.model, tier: options.model } } : {}),
  }));
  system.stats = newStats();
  let handled = 0;
  let allHandled = () => {};
  const handledAll = new Promise<void>((resolve) => {
    allHandled = resolve;
  });
  const { settings } = system;
  await system.queue.work(
    BARE_QUEUE,
    {
      batchSize: settings.batchSize,
      localConcurrency: settings.concurrency,
      pollingIntervalSeconds: settings.pollingSeconds,
      ...(options.grouped ? { groupConcurrency: system.groupConcurrency } : {}),
    },
    async (jobList) => {
      handled += jobList.length;
      if (handled >= options.jobs) allHandled();
    },
  );
  try {
    const started = performance.now();
    await system.queue.insert(BARE_QUEUE, rows);
    const insertMs = performance.now() - started;
    const deadline = started + 60_000 + options.jobs * 50;
    // Unreferenced: once every job is handled, this deadline must not keep the bench from exiting.
    const timeout = sleep(deadline - performance.now(), 'timeout' as const, { ref: false });
    if ((await Promise.race([handledAll, timeout])) === 'timeout') {
      throw new Error(
        `bare pg-boss handled ${handled} of ${options.jobs} jobs before the deadline`,
      );
    }
    // Handled is not completed: pg-boss completes a batch after its handler returns.
    for (;;) {
      const { rows: left } = await poller.query<{ left: number }>(
        `SELECT count(*)::int AS left FROM pgboss.job WHERE name = $1 AND state < 'completed'`,
        [BARE_QUEUE],
      );
      if (left[0]?.left === 0) break;
      if (performance.now() > deadline) throw new Error('bare pg-boss jobs did not complete');
      await sleep(5);
    }
    const seconds = (performance.now() - started) / 1000;
    return { jobs: options.jobs, seconds, insertMs, stats: system.stats };
  } finally {
    await system.queue.offWork(BARE_QUEUE);
  }
}

// ---------------------------------------------------------------------------------------------
// Phases: where one handler call's time goes. No worker runs here: the bench itself does what a
// worker loop does, one step at a time, on a frozen 10,000-task batch, uncontended (one loop).

const PHASE_SIZES = [50, 250];
const AdmittedBody = z.object({ batch_id: z.uuid() });

interface PhaseRow {
  jobsPerCall: number;
  calls: number;
  fetchMs: number;
  handlerMs: number;
  settleCheckMs: number;
  existsCheckMs: number;
  completeMs: number;
  bareFetchMs: number;
  bareCompleteMs: number;
}

async function measurePhases(
  connectionString: string,
  db: Database,
  logger: Logger,
  accountId: string,
): Promise<PhaseRow[]> {
  const queue = await startQueue(connectionString, logger, 10);
  try {
    await queue.createQueue(BARE_QUEUE, jobs.taskRun.queue);
    const models = await db.model.findMany({ select: { id: true, maxConcurrency: true } });
    const groupConcurrency = {
      default: 8,
      tiers: Object.fromEntries(models.map((m) => [m.id, m.maxConcurrency])),
    };
    const deps = {
      db,
      queue,
      logger,
      providers: createProviderRegistry({
        simulator: { latencyMs: 0, taskTimeoutMs: 10_000, publicBaseUrl: 'http://127.0.0.1' },
      }),
      retry: {
        maxAttempts: envDefaults.TASK_MAX_ATTEMPTS,
        baseDelayMs: envDefaults.TASK_RETRY_BASE_MS,
      },
      storage: temporaryStorage(),
    };
    const rows: PhaseRow[] = [];
    for (const size of PHASE_SIZES) {
      // A frozen batch whose task-run jobs wait in the queue, exactly as the worker finds them.
      const raw: unknown = JSON.parse(batchBody(TASKS, FAST_MODEL, false));
      const body = CreateBatchRequestSchema.parse(raw);
      const admitted = await admitBatch(db, queue, {
        accountId,
        idempotencyKey: null,
        requestId: `bench-${randomUUID()}`,
        body,
        rawBody: raw,
        allowPrivateNetworks: false,
      });
      if (!admitted.ok) throw new Error(`phase admission refused: ${admitted.error.code}`);
      const { batch_id: batchId } = AdmittedBody.parse(admitted.value.body);
      await queue.deleteQueuedJobs(jobs.batchStart.name);
      if ((await freezeBatch(db, queue, batchId, logger)) !== 'frozen') {
        throw new Error('phase batch did not freeze');
      }
      const samples = {
        fetch: [] as number[],
        handler: [] as number[],
        settle: [] as number[],
        exists: [] as number[],
      };
      const complete: number[] = [];
      let calls = 0;
      for (;;) {
        let t = performance.now();
        const jobList = await queue.fetch<{ taskId: string; batchId: string }>(jobs.taskRun.name, {
          batchSize: size,
          groupConcurrency,
        });
        if (jobList.length === 0) break;
        samples.fetch.push(performance.now() - t);
        t = performance.now();
        await runTaskJobs(deps, jobList);
        samples.handler.push(performance.now() - t);
        t = performance.now();
        await queue.complete(
          jobs.taskRun.name,
          jobList.map((job) => job.id),
        );
        complete.push(performance.now() - t);
        calls++;
        // What recordOutcomes does last, under the batch lock, on every call: settleIfComplete
        // reads every task of the batch to see whether any is left. Read-only while some are.
        t = performance.now();
        const outcome = await db.$transaction(async (tx) => {
          await lockBatches(tx, [batchId]);
          return settleIfComplete(tx, queue, batchId, logger);
        });
        if (outcome === 'not_finished') {
          samples.settle.push(performance.now() - t);
          // What-if: the same question answered by one index probe instead of reading every task.
          t = performance.now();
          await db.$transaction(async (tx) => {
            await lockBatches(tx, [batchId]);
            await tx.$queryRaw`
              SELECT EXISTS (SELECT 1 FROM video_tasks
                              WHERE batch_id = ${batchId}::uuid AND status IN ('queued', 'running')) AS open`;
          });
          samples.exists.push(performance.now() - t);
        }
      }
      const settled = await db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
      if (settled.settlementStatus !== 'settled' || settled.successCount !== TASKS) {
        throw new Error(`phase batch ended ${settled.status}/${settled.settlementStatus}`);
      }

      // Bare pg-boss: the same fetch and complete, no handler.
      const bareFetch: number[] = [];
      const bareComplete: number[] = [];
      const bareBatch = randomUUID();
      await queue.insert(
        BARE_QUEUE,
        Array.from({ length: TASKS }, () => ({
          data: { taskId: randomUUID(), batchId: bareBatch },
          group: { id: FAST_MODEL, tier: FAST_MODEL },
        })),
      );
      for (;;) {
        let t = performance.now();
        const jobList = await queue.fetch(BARE_QUEUE, { batchSize: size, groupConcurrency });
        if (jobList.length === 0) break;
        bareFetch.push(performance.now() - t);
        t = performance.now();
        await queue.complete(
          BARE_QUEUE,
          jobList.map((job) => job.id),
        );
        bareComplete.push(performance.now() - t);
      }
      rows.push({
        jobsPerCall: size,
        calls,
        fetchMs: median(samples.fetch),
        handlerMs: median(samples.handler),
        settleCheckMs: median(samples.settle),
        existsCheckMs: median(samples.exists),
        completeMs: median(complete),
        bareFetchMs: median(bareFetch),
        bareCompleteMs: median(bareComplete),
      });
    }
    return rows;
  } finally {
    await queue.stop({ graceful: false });
  }
}

function printPhases(rows: PhaseRow[]) {
  console.log(
    `\nWhere a handler call's time goes: one loop, uncontended, step by step on a frozen ${int(TASKS)}-task batch (medians per call)\n`,
  );
  console.log(
    table(
      [
        'jobs/call',
        'calls',
        'fetch ms',
        'handler ms',
        'settle check ms',
        'EXISTS check ms',
        'complete ms',
        'worker ms/job',
        'bare fetch ms',
        'bare complete ms',
        'bare ms/job',
        'ratio',
      ],
      rows.map((r) => {
        const worker = (r.fetchMs + r.handlerMs + r.completeMs) / r.jobsPerCall;
        const bare = (r.bareFetchMs + r.bareCompleteMs) / r.jobsPerCall;
        return [
          String(r.jobsPerCall),
          String(r.calls),
          fixed(r.fetchMs),
          fixed(r.handlerMs),
          fixed(r.settleCheckMs),
          fixed(r.existsCheckMs),
          fixed(r.completeMs),
          fixed(worker, 3),
          fixed(r.bareFetchMs),
          fixed(r.bareCompleteMs),
          fixed(bare, 3),
          `${fixed(bare / worker, 2)}×`,
        ];
      }),
    ),
  );
  console.log(
    '\nhandler = runTaskJobs (mark running, simulator, recordOutcomes transaction with the settle check); ' +
      'settle check = lockBatches + settleIfComplete in a transaction of its own, the part of the handler that reads every task of the batch; ' +
      'EXISTS check = lockBatches + one EXISTS probe for a queued/running task (what-if, not what the code does)',
  );
}

// ---------------------------------------------------------------------------------------------
// Reporting

interface SettingsResult {
  settings: WorkerSettings;
  drains: DrainResult[];
  bares: BareResult[];
  failures: DrainResult[];
}

function tasksPerSecond(result: { seconds: number; tasks?: number; jobs?: number }) {
  return (result.tasks ?? result.jobs ?? 0) / result.seconds;
}

function verdict(pass: boolean) {
  return pass ? 'PASS' : 'MISSED';
}

function summariseSettings(result: SettingsResult) {
  const workerRate = median(result.drains.map(tasksPerSecond));
  const bareRate = median(result.bares.map(tasksPerSecond));
  const ratios = result.drains.map((d, i) => {
    const bare = result.bares[i];
    return bare ? tasksPerSecond(d) / tasksPerSecond(bare) : Number.NaN;
  });
  return {
    workerSeconds: median(result.drains.map((d) => d.seconds)),
    workerRate,
    bareSeconds: median(result.bares.map((b) => b.seconds)),
    bareRate,
    ratio: workerRate / bareRate,
    ratioOfRuns: median(ratios),
    failingSeconds: median(result.failures.map((f) => f.seconds)),
  };
}

function printDrains(label: string, drains: DrainResult[], settings: WorkerSettings) {
  console.log(`\n${label}: every run (${describe(settings)})\n`);
  console.log(
    table(
      [
        'run',
        'tasks',
        'seconds',
        'tasks/s',
        'admission ms',
        '→ frozen ms',
        'freeze → 1st task ms',
        'tasks ms',
        'last task → seen ms',
        'handler calls',
        'jobs/call',
        'ms/call',
        'loops busy',
      ],
      drains.map((d, i) => [
        String(i + 1),
        int(d.tasks),
        fixed(d.seconds, 2),
        int(tasksPerSecond(d)),
        int(d.admissionMs),
        int(d.toFreezeMs),
        int(d.freezeToFirstTaskMs),
        int(d.tasksMs),
        int(d.settleSeenMs),
        int(d.stats.calls),
        fixed(d.stats.jobs / d.stats.calls, 1),
        fixed(d.stats.busyMs / d.stats.calls, 1),
        `${fixed((100 * d.stats.busyMs) / (settings.concurrency * d.tasksMs), 0)} %`,
      ]),
    ),
  );
}

function printBares(bares: BareResult[], settings: WorkerSettings) {
  console.log(`\nbare pg-boss, no-op handler: every run (${describe(settings)})\n`);
  console.log(
    table(
      ['run', 'jobs', 'seconds', 'jobs/s', 'insert ms', 'handler calls', 'jobs/call'],
      bares.map((b, i) => [
        String(i + 1),
        int(b.jobs),
        fixed(b.seconds, 2),
        int(tasksPerSecond(b)),
        int(b.insertMs),
        int(b.stats.calls),
        fixed(b.stats.jobs / b.stats.calls, 1),
      ]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(run: BenchRun) {
  // Prisma's pool of 10, as main.ts gives every process (the API and the worker share it with
  // --role all).
  const base = await openBench(run, {
    durable: DURABLE,
    applicationName: 'batchreel-bench-worker',
  });
  const { database, db, logger } = base;
  const poller = new pg.Client({
    connectionString: database.connectionString,
    application_name: 'batchreel-bench-poller',
  });
  await poller.connect();
  run.defer(() => poller.end());

  const account = await db.account.findFirstOrThrow({ where: { name: DEMO.accountName } });
  // sora-2 is limited to 8 tasks at once (models.max_concurrency, enforced by pg-boss
  // groupConcurrency); the throughput runs use a model whose limit is not the bottleneck.
  await db.model.create({
    data: {
      id: FAST_MODEL,
      displayName: 'bench',
      provider: 'simulator',
      providerModel: FAST_MODEL,
      priceCredits: 1,
      maxConcurrency: 1000,
    },
  });
  const settingsList = TUNE ? [SHIPPED, ...ALTERNATIVES] : [SHIPPED];
  const grant =
    (settingsList.length * (REPS + FAILURE_REPS + 1) + PHASE_SIZES.length) * TASKS +
    (SORA ? SORA_TASKS * DEMO.model.priceCredits : 0);
  await grantBenchCredits(db, account.id, grant * 2);

  await printBenchHeader('Batchreel worker throughput benchmark', base);
  console.log(
    '  process   server + worker + pg-boss (pool 10) + Prisma (pool 10) + HTTP client, all in this process (as pnpm start)',
  );
  console.log(
    `  plan      ${QUICK ? 'QUICK (smoke run, figures not meaningful)' : 'full'}: ` +
      `${int(TASKS)} tasks × ${REPS} repetitions per setting, worker and bare pg-boss alternating; ` +
      `model ${FAST_MODEL} (max_concurrency 1000), simulator latency 0 ms`,
  );

  const results: SettingsResult[] = [];
  let sora: DrainResult | null = null;

  for (const settings of settingsList) {
    const system = await startSystem(database.connectionString, db, logger, settings);
    const stopSystem = run.defer(() => system.stop());
    console.log(`\n— ${settings.label}: ${describe(settings)}`);
    // Warm-up (not counted): JIT, pools, caches.
    await drainBatch(system, poller, {
      tasks: Math.min(TASKS, 1_000),
      model: FAST_MODEL,
      failing: false,
      price: 1,
    });
    await drainBare(system, poller, {
      jobs: Math.min(TASKS, 1_000),
      model: FAST_MODEL,
      grouped: true,
    });

    const result: SettingsResult = { settings, drains: [], bares: [], failures: [] };
    for (let rep = 0; rep < REPS; rep++) {
      // Alternate which goes first, so drift (growing tables, other tenants) falls on both.
      const worker = () =>
        drainBatch(system, poller, { tasks: TASKS, model: FAST_MODEL, failing: false, price: 1 });
      const bare = () =>
        drainBare(system, poller, { jobs: TASKS, model: FAST_MODEL, grouped: true });
      if (rep % 2 === 0) {
        result.drains.push(await worker());
        result.bares.push(await bare());
      } else {
        result.bares.push(await bare());
        result.drains.push(await worker());
      }
      const d = result.drains[result.drains.length - 1];
      const b = result.bares[result.bares.length - 1];
      if (d && b) {
        console.log(
          `  rep ${rep + 1}: worker ${fixed(d.seconds, 2)} s (${int(tasksPerSecond(d))} tasks/s), ` +
            `bare pg-boss ${fixed(b.seconds, 2)} s (${int(tasksPerSecond(b))} jobs/s)`,
        );
      }
    }
    results.push(result);

    for (let rep = 0; rep < FAILURE_REPS; rep++) {
      const f = await drainBatch(system, poller, {
        tasks: TASKS,
        model: FAST_MODEL,
        failing: true,
        price: 1,
      });
      result.failures.push(f);
      console.log(
        `  failing batch ${rep + 1}: ${fixed(f.seconds, 2)} s to settled, ${int(f.tasks)} refunds`,
      );
    }
    if (settings === SHIPPED) {
      if (SORA) {
        sora = await drainBatch(system, poller, {
          tasks: SORA_TASKS,
          model: DEMO.model.id,
          failing: false,
          price: DEMO.model.priceCredits,
        });
        console.log(
          `  sora-2 batch: ${fixed(sora.seconds, 2)} s (${int(tasksPerSecond(sora))} tasks/s)`,
        );
      }
    }
    await stopSystem();
  }

  const phases = PHASES
    ? await measurePhases(database.connectionString, db, logger, account.id)
    : [];

  // ---- Report
  const shipped = results[0];
  if (!shipped) throw new Error('no results');
  for (const result of results) {
    printDrains(`worker, ${int(TASKS)}-task batch`, result.drains, result.settings);
    printBares(result.bares, result.settings);
    printDrains(`failing ${int(TASKS)}-task batch`, result.failures, result.settings);
  }
  if (sora)
    printDrains(`sora-2 (max_concurrency 8) ${int(SORA_TASKS)}-task batch`, [sora], SHIPPED);
  if (phases.length > 0) printPhases(phases);

  console.log(
    `\nSummary, medians of ${REPS} runs; ${int(TASKS)} tasks; worker: admission → settled; bare: insert → all completed\n`,
  );
  console.log(
    table(
      [
        'worker settings',
        'worker s',
        'tasks/s',
        'bare s',
        'jobs/s',
        'ratio',
        'failing s',
        '≥ 1,000/s',
        '≥ 0.5×',
        '≤ 15 s',
      ],
      results.map((r) => {
        const s = summariseSettings(r);
        return [
          `${r.settings.label} (${describe(r.settings)})`,
          fixed(s.workerSeconds, 2),
          int(s.workerRate),
          fixed(s.bareSeconds, 2),
          int(s.bareRate),
          `${fixed(s.ratio, 2)}×`,
          fixed(s.failingSeconds, 2),
          verdict(s.workerRate >= TARGET_TASKS_PER_SECOND),
          verdict(s.ratio >= TARGET_RATIO),
          verdict(s.failingSeconds <= TARGET_FAILURE_SECONDS),
        ];
      }),
    ),
  );

  const s = summariseSettings(shipped);
  console.log('');
  console.log(
    `drain (${describe(SHIPPED)}): median ${int(s.workerRate)} tasks/s vs target ≥ ${int(TARGET_TASKS_PER_SECOND)} → ${verdict(s.workerRate >= TARGET_TASKS_PER_SECOND)}`,
  );
  console.log(
    `ratio to bare pg-boss: ${fixed(s.ratio, 2)}× (median of per-run ratios ${fixed(s.ratioOfRuns, 2)}×) vs target ≥ ${TARGET_RATIO}× → ${verdict(s.ratio >= TARGET_RATIO)}`,
  );
  console.log(
    `failing batch, admission → settled with ${int(TASKS)} refunds: median ${fixed(s.failingSeconds, 2)} s vs target ≤ ${TARGET_FAILURE_SECONDS} s → ${verdict(s.failingSeconds <= TARGET_FAILURE_SECONDS)}`,
  );
  if (sora) {
    console.log(
      `sora-2 (max_concurrency 8): ${int(tasksPerSecond(sora))} tasks/s over ${int(SORA_TASKS)} tasks (not targeted; the model's limit caps it)`,
    );
  }
  if (QUICK) console.log('\nQUICK run: the figures are not meaningful.');
}

await runBench('the worker, the server and the database', main);
