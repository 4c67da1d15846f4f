// Crash safety (docs/product.md §6): the worker runs as its own process and is SIGKILLed at several points
// of a mixed run, the database is restarted under a running batch, and afterwards every docs/product.md §5
// money invariant must hold over the whole database. Runs on a dedicated embedded PostgreSQL
// cluster: restarting the shared test server would break the test files running in parallel.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkAccountLedger, checkBatchLedger } from '@batchreel/billing';
import {
  createPrismaClient,
  type Database,
  ensureDatabase,
  freePort,
  type RunningPostgres,
  startEmbeddedPostgres,
} from '@batchreel/db';
import { withDatabase } from '@batchreel/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { clientOf, submitBatch } from './support/scenarios';

const API_DIR = join(import.meta.dirname, '..');
const KILL_DB = 'crash_kill';
const RESTART_DB = 'crash_restart';

/** Fast simulator and small fetches, so that there are many transactions to interrupt. */
const WORKER_ENV = {
  SIMULATOR_LATENCY_MS: '30',
  SIMULATOR_TIMEOUT_MS: '300',
  TASK_MAX_ATTEMPTS: '3',
  TASK_RETRY_BASE_MS: '100',
  WORKER_TASK_BATCH_SIZE: '5',
  WORKER_TASK_CONCURRENCY: '2',
  WORKER_POLL_SECONDS: '0.5',
  // info, not warn: kill points wait for the 'worker started' line.
  LOG_LEVEL: 'info',
};

// ---------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  alive: () => boolean;
}

const procs: Proc[] = [];

/** Runs the real entry point (src/main.ts) with `--role` as its own OS process. */
function spawnRole(name: string, role: 'api' | 'worker', env: Record<string, string>): Proc {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', role], {
    cwd: API_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      output += `\n[${name} exited: code ${code}, signal ${signal}]\n`;
      resolve(code);
    }),
  );
  const proc: Proc = {
    name,
    child,
    output: () => output,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
  procs.push(proc);
  return proc;
}

async function killHard(proc: Proc) {
  if (proc.alive()) proc.child.kill('SIGKILL');
  await proc.exited;
}

async function killAll() {
  await Promise.all(procs.filter((p) => p.alive()).map((p) => killHard(p)));
}

const notes: string[] = [];

/** A line of the test's own account of what happened, printed at the end (and on failure). */
function note(message: string) {
  notes.push(message);
  console.info(message);
}

function dumpOutputs() {
  console.error(`----- what happened -----\n${notes.join('\n')}`);
  for (const proc of procs) {
    console.error(`----- output of ${proc.name} -----\n${proc.output().slice(-20_000)}`);
  }
}

/** Polls `probe` until it holds or `capMs` pass, and says which. For kill points, not checks. */
async function until(probe: () => Promise<boolean>, capMs: number, intervalMs = 50) {
  const deadline = Date.now() + capMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(intervalMs);
  }
  return false;
}

/** Whether a worker child has registered its handlers. */
function started(proc: Proc) {
  return proc.output().includes('"worker started"');
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | false | null | undefined>,
  { timeoutMs = 30_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The dedicated cluster and one system (API child + workers) per database
// ---------------------------------------------------------------------------------------------

let root: string;
let pgDir: string;
let pgPort: number;
let adminUrl: string;
let cluster: RunningPostgres | undefined;
const clients: Database[] = [];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'batchreel-crash-'));
  // The embedded cluster runs as the `postgres` OS user when we are root: let it reach its folder.
  await chmod(root, 0o755);
  pgDir = join(root, 'pg');
  cluster = await startEmbeddedPostgres({ dataDir: pgDir, ephemeral: true, database: KILL_DB });
  pgPort = cluster.port;
  adminUrl = cluster.adminConnectionString;
  await ensureDatabase(cluster.adminConnectionString, RESTART_DB);
});

// Each test's children (its API and any worker still alive) end with it.
afterEach(() => killAll());

afterAll(async () => {
  try {
    await killAll();
    await Promise.all(clients.map((db) => db.$disconnect().catch(() => {})));
  } finally {
    await cluster?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }
});

function urlOf(database: string) {
  // The cluster keeps its port and password (kept in its directory) across the restart below.
  return withDatabase(adminUrl, database);
}

interface System {
  db: Database;
  baseUrl: string;
  api: Proc;
  workerEnv: Record<string, string>;
  startWorker(name: string): Proc;
}

/** An API child on `database` (migrates and seeds it), a Prisma client, and 20,000 more credits. */
async function startSystem(database: string): Promise<System> {
  const dataDir = join(root, `app-${database}`);
  await mkdir(dataDir, { recursive: true });
  const port = await freePort();
  const common = {
    DATABASE_URL: urlOf(database),
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
  };
  const api = spawnRole(`api(${database})`, 'api', {
    ...common,
    SEED_DEMO: 'true',
    RATE_LIMIT_PER_MINUTE: '100000',
    LOG_LEVEL: 'warn',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    'the API to be ready',
    async () => {
      if (!api.alive()) throw new Error(`API exited early:\n${api.output()}`);
      const response = await fetch(`${baseUrl}/readyz`).catch(() => null);
      return response?.status === 200;
    },
    { timeoutMs: 45_000, intervalMs: 200 },
  );
  const db = createPrismaClient(urlOf(database), { maxConnections: 4 });
  clients.push(db);
  const account = await db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
  await db.creditLedger.create({
    data: {
      accountId: account.id,
      refType: 'topup',
      refId: randomUUID(),
      creditsDelta: 20_000,
      balanceAfter: 0, // computed by the ledger trigger
      memo: 'Crash test credits',
      actor: 'test:crash',
    },
  });
  // A killed worker's active jobs count against the model's pg-boss group limit until supervision
  // fails them (up to ~70 s); a roomier limit keeps the surviving workers busy meanwhile.
  await db.model.update({ where: { id: 'sora-2' }, data: { maxConcurrency: 40 } });
  const workerEnv = { ...common, ...WORKER_ENV };
  return {
    db,
    baseUrl,
    api,
    workerEnv,
    startWorker: (name) => spawnRole(name, 'worker', workerEnv),
  };
}

/** Submits the prompts to the system's API process; resolves with the batch's id. */
const admit = async (sys: System, prompts: string[]) => (await submitBatch(sys, prompts)).batch_id;

type Kind = 'plain' | 'content_policy' | 'flaky' | 'provider_error' | 'timeout';

function kindOf(i: number): Kind {
  if (i % 30 === 14) return 'timeout';
  if (i % 20 === 9) return 'provider_error';
  if (i % 10 === 3) return 'content_policy';
  if (i % 10 === 6) return 'flaky';
  return 'plain';
}

function mixedPrompts(count: number, label: string) {
  return Array.from({ length: count }, (_, i) => {
    const kind = kindOf(i);
    return kind === 'plain' ? `${label} scene #${i}` : `${label} scene #${i} [sim:${kind}]`;
  });
}

function kindOfPrompt(prompt: string): Kind {
  const match = /\[sim:(\w+)\]/.exec(prompt);
  return (match?.[1] as Kind | undefined) ?? 'plain';
}

/** Terminal tasks, all tasks, and terminal tasks per batch. */
async function progress(db: Database) {
  const rows = await db.$queryRaw<{ batch_id: string; done: number; total: number }[]>`
    SELECT batch_id,
           count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled'))::int AS done,
           count(*)::int AS total
      FROM video_tasks GROUP BY batch_id`;
  const byBatch = new Map(rows.map((r) => [r.batch_id, r.done]));
  return {
    done: rows.reduce((sum, r) => sum + r.done, 0),
    total: rows.reduce((sum, r) => sum + r.total, 0),
    byBatch,
  };
}

async function activeJobs(db: Database, queue: string) {
  const [row] = await db.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${queue} AND state = 'active'`;
  return row?.n ?? 0;
}

/** What is still open, for the message of a failed wait. */
async function diagnose(db: Database) {
  const batches = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT b.id, b.status, b.settlement_status, b.frozen_credits, b.cancel_requested, b.integrity_error,
           (SELECT json_object_agg(status, n) FROM (
              SELECT status, count(*)::int AS n FROM video_tasks t WHERE t.batch_id = b.id GROUP BY status) s) AS tasks
      FROM batch_jobs b WHERE b.settlement_status = 'pending' OR b.integrity_error IS NOT NULL`;
  const jobs = await db.$queryRaw<Record<string, unknown>[]>`
    SELECT name, state::text, count(*)::int AS n, min(retry_count)::int AS min_retries,
           max(retry_count)::int AS max_retries, min(started_on) AS oldest_start,
           max(heartbeat_seconds) AS heartbeat_seconds, max(expire_seconds) AS expire_seconds
      FROM pgboss.job GROUP BY name, state ORDER BY name, state`;
  return JSON.stringify({ batches, jobs }, null, 1);
}

/** Waits until no batch is pending; on timeout the error names what is stuck. */
async function waitUntilAllSettled(db: Database, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pending = await db.batchJob.count({ where: { settlementStatus: 'pending' } });
    if (pending === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${pending} batch(es) not settled ${timeoutMs} ms after the last restart:\n${await diagnose(db)}`,
      );
    }
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------------------------
// The invariants, over the whole database
// ---------------------------------------------------------------------------------------------

async function expectBooksBalanceEverywhere(db: Database) {
  const batches = await db.batchJob.findMany();
  const tasks = await db.videoTask.findMany({
    select: { id: true, batchId: true, status: true, costCredits: true },
  });
  const ledger = (await db.creditLedger.findMany({ orderBy: { id: 'asc' } })).map((row) => ({
    ...row,
    id: row.id.toString(),
  }));
  const problems: string[] = [];

  const unfinished = tasks.filter((t) => t.status === 'queued' || t.status === 'running');
  if (unfinished.length > 0) problems.push(`${unfinished.length} tasks still queued/running`);

  for (const batch of batches) {
    const label = `batch ${batch.id}`;
    const own = tasks.filter((t) => t.batchId === batch.id);
    const rows = ledger.filter((r) => r.refId === batch.id);
    if (batch.settlementStatus === 'pending') problems.push(`${label}: not settled`);
    if (batch.integrityError !== null) problems.push(`${label}: flagged ${batch.integrityError}`);

    const upfronts = rows.filter((r) => r.refType === 'batch_upfront');
    if (batch.frozenCredits > 0) {
      if (batch.frozenCredits !== batch.requiredCredits)
        problems.push(`${label}: froze ${batch.frozenCredits} of ${batch.requiredCredits}`);
      if (upfronts.length !== 1) problems.push(`${label}: ${upfronts.length} batch_upfront rows`);
      else if (upfronts[0]?.creditsDelta !== -batch.requiredCredits)
        problems.push(`${label}: upfront ${upfronts[0]?.creditsDelta} ≠ -${batch.requiredCredits}`);
    } else if (upfronts.length !== 0) {
      problems.push(`${label}: ${upfronts.length} upfronts but nothing frozen`);
    }

    const refunds = rows.filter((r) => r.refType === 'batch_refund');
    for (const task of own) {
      const mine = refunds.filter((r) => r.taskId === task.id);
      const refundable =
        batch.frozenCredits > 0 && (task.status === 'failed' || task.status === 'canceled');
      if (refundable && (mine.length !== 1 || mine[0]?.creditsDelta !== task.costCredits))
        problems.push(`${label}: ${task.status} task ${task.id} has ${mine.length} refund(s)`);
      if (!refundable && mine.length > 0)
        problems.push(`${label}: ${task.status} task ${task.id} refunded ${mine.length}×`);
    }
    const refunded = refunds.reduce((sum, r) => sum + r.creditsDelta, 0);
    const spent = own
      .filter((t) => t.status === 'succeeded')
      .reduce((sum, t) => sum + t.costCredits, 0);
    if (batch.frozenCredits !== batch.creditsSpent + refunded)
      problems.push(
        `${label}: frozen ${batch.frozenCredits} ≠ spent ${batch.creditsSpent} + ${refunded}`,
      );
    if (batch.creditsSpent !== spent)
      problems.push(`${label}: spent ${batch.creditsSpent} ≠ ${spent}`);
    if (batch.refundedCredits !== refunded)
      problems.push(`${label}: refunded_credits ${batch.refundedCredits} ≠ ledger ${refunded}`);
    const count = (status: string) => own.filter((t) => t.status === status).length;
    if (
      batch.successCount !== count('succeeded') ||
      batch.failedCount !== count('failed') ||
      batch.canceledCount !== count('canceled') ||
      batch.totalCount !== own.length
    ) {
      problems.push(`${label}: stored counts do not match its tasks`);
    }
    for (const v of checkBatchLedger(batch, own, rows)) problems.push(`${label}: ${v.message}`);
  }

  const accounts = await db.account.findMany();
  const sums = await db.$queryRaw<{ account_id: string; sum: number }[]>`
    SELECT account_id, COALESCE(SUM(credits_delta), 0)::int AS sum FROM credit_ledger GROUP BY account_id`;
  for (const account of accounts) {
    const sum = sums.find((s) => s.account_id === account.id)?.sum ?? 0;
    if (account.balance !== sum)
      problems.push(`account ${account.id}: ${account.balance} ≠ Σ ${sum}`);
    const rows = ledger.filter((r) => r.accountId === account.id);
    for (const v of checkAccountLedger(account, rows))
      problems.push(`account ${account.id}: ${v.message}`);
  }
  expect(problems).toEqual([]);
  return { batches, tasks };
}

/** Every task of a batch that was not canceled ended as its prompt directive says it must. */
async function expectOutcomesFollowDirectives(db: Database, batchId: string) {
  const tasks = await db.videoTask.findMany({ where: { batchId } });
  const wrong = tasks.flatMap((task) => {
    const kind = kindOfPrompt(task.prompt);
    if (task.status === 'canceled') return [];
    const expected = kind === 'plain' || kind === 'flaky' ? ['succeeded', null] : ['failed', kind];
    return task.status === expected[0] && task.errorCode === expected[1]
      ? []
      : [`${task.batchIndex} ${kind}: ${task.status} ${task.errorCode}`];
  });
  expect(wrong).toEqual([]);
}

// ---------------------------------------------------------------------------------------------

describe('crash safety with the worker as a child process', () => {
  it('SIGKILLs the worker at four points of a mixed 350-task run; the books balance', async () => {
    onTestFailed(dumpOutputs);
    const sys = await startSystem(KILL_DB);
    const { db } = sys;
    const t0 = Date.now();

    // Two mixed batches (270 tasks), admitted before any worker runs; a third comes later.
    const a = await admit(sys, mixedPrompts(150, 'A'));
    const b = await admit(sys, mixedPrompts(120, 'B'));
    const total = 350;

    // Kill 1: while a `batch-start` job is held, i.e. during (or right after) a freeze.
    const w1 = sys.startWorker('worker-1');
    await waitFor(
      'a batch-start job to be active',
      async () => {
        if (!w1.alive()) throw new Error('worker-1 exited on its own');
        return (await activeJobs(db, 'batch-start')) > 0;
      },
      { intervalMs: 5, timeoutMs: 45_000 },
    );
    await killHard(w1);
    const atKill1 = await db.batchJob.findMany({
      select: { status: true },
      orderBy: { createdAt: 'asc' },
    });
    const strandedStarts = await activeJobs(db, 'batch-start');
    note(
      `kill 1 at ${Date.now() - t0} ms: batches ${JSON.stringify(atKill1.map((x) => x.status))}, ` +
        `${strandedStarts} batch-start job(s) left active`,
    );

    // Kill 2: a lone worker in the middle of the run.
    const w2 = sys.startWorker('worker-2');
    const reached2 = await until(async () => (await progress(db)).done >= total / 4, 45_000);
    await killHard(w2);
    note(
      `kill 2 at ${Date.now() - t0} ms: ${(await progress(db)).done}/${total} done (${reached2})`,
    );

    // Kill 3: two workers at once; one dies while batch C runs, and C is canceled right then.
    const w3 = sys.startWorker('worker-3');
    const w4 = sys.startWorker('worker-4');
    // Each child compiles the app with tsx first: seconds alone, far longer on a busy machine.
    await waitFor('workers 3 and 4 to start', async () => started(w3) && started(w4), {
      timeoutMs: 90_000,
    });
    // Batch C is admitted while both run: plain prompts, a few flaky, a few that time out (so it
    // cannot finish within a second of starting).
    const c = await admit(
      sys,
      Array.from({ length: 80 }, (_, i) =>
        i % 20 === 7 ? `C #${i} [sim:timeout]` : i % 8 === 5 ? `C #${i} [sim:flaky]` : `C #${i}`,
      ),
    );
    const reached3 = await until(
      async () => ((await progress(db)).byBatch.get(c) ?? 0) >= 10,
      30_000,
      20,
    );
    await killHard(w3);
    const api = await clientOf(sys);
    await api.cancelBatch(c);
    expect(api.last.status, JSON.stringify(api.last.responseBody)).toBe(200);
    note(
      `kill 3 at ${Date.now() - t0} ms: ${(await progress(db)).done}/${total} done (${reached3})`,
    );

    // Kill 4: the surviving worker near the end — of everything, or of the batches running now
    // (one may still wait for its start) — or after 15 s, whatever is left by then.
    const reached4 = await until(async () => {
      if ((await progress(db)).done >= total * 0.9) return true;
      const [running] = await db.$queryRaw<{ done: number; total: number }[]>`
        SELECT count(*) FILTER (WHERE t.status IN ('succeeded', 'failed', 'canceled'))::int AS done,
               count(*)::int AS total
          FROM video_tasks t JOIN batch_jobs b ON b.id = t.batch_id WHERE b.status = 'processing'`;
      return !!running && running.done < running.total && running.done >= running.total * 0.9;
    }, 15_000);
    await killHard(w4);
    note(
      `kill 4 at ${Date.now() - t0} ms: ${(await progress(db)).done}/${total} done (${reached4})`,
    );

    // A last worker alone must finish everything. Jobs held by killed workers come back once their
    // heartbeat has lapsed and pg-boss's supervisor checks that queue: up to ~70 s here, since
    // pg-boss fails lost heartbeats only every `monitorIntervalSeconds` (default 60) per queue.
    const w5 = sys.startWorker('worker-5');
    const restartedAt = Date.now();
    await waitUntilAllSettled(db, 100_000);
    const settledAfter = Date.now() - restartedAt;
    expect(w5.alive()).toBe(true);

    const { batches } = await expectBooksBalanceEverywhere(db);
    expect(batches).toHaveLength(3);
    const byId = new Map(batches.map((batch) => [batch.id, batch]));
    for (const id of [a, b]) {
      expect(byId.get(id)).toMatchObject({ status: 'partial', settlementStatus: 'refunded' });
      await expectOutcomesFollowDirectives(db, id);
    }
    expect(byId.get(c)).toMatchObject({ status: 'canceled', cancelRequested: true });
    expect(byId.get(c)?.canceledCount).toBeGreaterThan(0);
    await expectOutcomesFollowDirectives(db, c);

    // The public API reads the batch back settled.
    const read = await api.getBatch(a);
    expect(api.last.status).toBe(200);
    expect(read.settlement_status).toBe('refunded');

    note(
      `crash test: settled ${settledAfter} ms after the last restart, ${Date.now() - t0} ms in all`,
    );
  }, 300_000);

  it('restarts PostgreSQL under a running batch; the worker recovers and the books balance', async () => {
    onTestFailed(dumpOutputs);
    const sys = await startSystem(RESTART_DB);
    const { db } = sys;
    const t0 = Date.now();
    const d = await admit(sys, mixedPrompts(200, 'D'));
    const w1 = sys.startWorker('worker-db-1');
    await waitFor('20 % of the tasks to finish', async () => (await progress(db)).done >= 40, {
      timeoutMs: 90_000,
    });

    // Stop the cluster (fast shutdown: every connection is cut), wait, start it again.
    note(`db restart: stopping PostgreSQL at ${(await progress(db)).done}/200 done`);
    await cluster?.stop();
    await sleep(1000);
    cluster = await startEmbeddedPostgres({
      dataDir: pgDir,
      port: pgPort,
      ephemeral: true,
      database: RESTART_DB,
    });
    const restartedAt = Date.now();

    // Give the worker a moment to notice; it either reconnects or dies.
    await sleep(3000);
    const survived = w1.alive();
    note(`db restart: worker-db-1 ${survived ? 'is alive' : 'died'} 3 s after the restart`);
    if (!survived) sys.startWorker('worker-db-2');

    // The API reconnects too and admits new work.
    await waitFor(
      'the API to be ready again',
      async () => {
        const response = await fetch(`${sys.baseUrl}/readyz`).catch(() => null);
        return response?.status === 200;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    const e = await admit(sys, mixedPrompts(20, 'E'));

    await waitUntilAllSettled(db, 90_000);
    const settledAfter = Date.now() - restartedAt;
    if (survived) expect(w1.alive()).toBe(true);

    const { batches } = await expectBooksBalanceEverywhere(db);
    expect(batches).toHaveLength(2);
    for (const id of [d, e]) {
      expect(batches.find((batch) => batch.id === id)).toMatchObject({
        status: 'partial',
        settlementStatus: 'refunded',
      });
      await expectOutcomesFollowDirectives(db, id);
    }
    note(
      `db restart: the worker ${survived ? 'survived and reconnected' : 'died and was restarted'}; ` +
        `settled ${settledAfter} ms after the restart, ${Date.now() - t0} ms in all`,
    );
  }, 240_000);
});
