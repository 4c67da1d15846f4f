import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createApiKey, grantCredits } from '@batchreel/api/tooling';
import { createPrismaClient, type Database, freePort, migrate } from '@batchreel/db';
import { ChaosCluster } from './cluster';
import { emptyFaultLog, planFaults, runFaults } from './faults';
import { call } from './http';
import { ProcessSet, type RoleProcess } from './processes';
import { type FlappingReceiver, startFlappingReceiver } from './receiver';
import type { ChaosReport } from './report';
import { createRng, type Rng, randomSeed } from './rng';
import { type ChaosAccount, type ChaosModel, emptyTrafficLog, runTraffic } from './traffic';
import { verifyRun } from './verify';

export interface ChaosOptions {
  /** Seconds of submissions; then the run stops submitting, lets everything settle and checks. */
  durationSeconds: number;
  /** Fixes every random choice (printed in the report so a run can be repeated). */
  seed?: number;
  /** Client accounts (the last one is poor: mostly 402s). Default 6. */
  accounts?: number;
  /** Concurrent client loops per account. Default 2. */
  loopsPerAccount?: number;
  /** How long the system gets to settle after the last submission. Default 120 s. */
  settleTimeoutSeconds?: number;
  /** Clients hold off while more tasks than this are queued or running. Default 1,500. */
  maxOpenTasks?: number;
  /** Progress lines while the run goes on (default: none). */
  log?: (line: string) => void;
  /** Ends the run early (still cleaning up). */
  signal?: AbortSignal;
}

const WORKERS = 2;
const MODELS: ChaosModel[] = [
  { id: 'sora-2', priceCredits: 10 },
  { id: 'chaos-lite', priceCredits: 3 },
];

/**
 * Fast simulator and small fetches: many short transactions to interrupt. Webhook retries over
 * seconds instead of hours, so deliveries end (delivered or failed) within the run.
 */
const WORKER_ENV = {
  // info: readiness is the 'worker started' line (per batch and per delivery lines otherwise).
  LOG_LEVEL: 'info',
  SIMULATOR_LATENCY_MS: '40',
  SIMULATOR_TIMEOUT_MS: '300',
  TASK_MAX_ATTEMPTS: '3',
  TASK_RETRY_BASE_MS: '100',
  WORKER_TASK_BATCH_SIZE: '10',
  WORKER_TASK_CONCURRENCY: '2',
  WORKER_POLL_SECONDS: '0.5',
  WEBHOOK_RETRY_SCHEDULE: '200ms,500ms,1s',
  WEBHOOK_TIMEOUT_MS: '800',
  WEBHOOK_CONCURRENCY: '4',
};

/**
 * A bounded, self-stopping fault run against the real system on this machine: a fresh embedded
 * PostgreSQL, the API and two workers as their own processes (`src/main.ts --role …`), client
 * accounts submitting concurrently over the public REST API, a webhook receiver that flaps, worker
 * processes SIGKILLed and restarted at random moments and the database restarted once. After
 * `durationSeconds` it stops submitting, waits (with a deadline) for every batch, task and
 * delivery to reach a final state, stops, and checks the books. Everything it started is ended
 * and its temporary directory removed, whatever happens.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const seed = options.seed ?? randomSeed();
  const rng = createRng(seed);
  const log = options.log ?? (() => {});
  const durationMs = Math.round(options.durationSeconds * 1000);
  const accountCount = Math.max(2, options.accounts ?? 6);
  const settleTimeoutMs = (options.settleTimeoutSeconds ?? 120) * 1000;
  const startedAt = Date.now();
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const traffic = emptyTrafficLog();
  const faults = emptyFaultLog();
  const report: ChaosReport = {
    ok: false,
    seed,
    durationSeconds: options.durationSeconds,
    elapsedMs: 0,
    accounts: accountCount,
    settled: false,
    settleMs: null,
    requests: summariseTraffic(traffic),
    faults: { ...faults, unexpectedExits: [] },
    webhooks: { received: 0, answers: emptyAnswers(), badSignatures: 0 },
    figures: null,
    integrityViolations: [],
    problems: [],
    error: null,
    processOutput: {},
  };

  log(
    `chaos run: seed ${seed}, ${options.durationSeconds} s of submissions, ${accountCount} accounts`,
  );
  const root = await mkdtemp(join(tmpdir(), 'batchreel-chaos-'));
  // As root, the embedded cluster runs as the `postgres` user, who must be able to enter it.
  await chmod(root, 0o755);
  const processes = new ProcessSet();
  let cluster: ChaosCluster | undefined;
  let db: Database | undefined;
  let receiver: FlappingReceiver | undefined;
  let system: System | undefined;
  try {
    cluster = await ChaosCluster.start(root);
    await migrate(cluster.connectionString);
    db = createPrismaClient(cluster.connectionString, {
      maxConnections: 4,
      applicationName: 'batchreel-chaos',
    });
    await seedCatalogue(db);
    const accounts = await createAccounts(db, rng.fork('accounts'), accountCount);
    receiver = await startFlappingReceiver(rng.fork('receiver'));
    system = new System(processes, cluster, root, await freePort(), report.problems);
    await system.startApi();
    for (const account of accounts) {
      const secret = await call(system.baseUrl, 'GET', '/api/enterprise/webhook-secret', {
        apiKey: account.apiKey,
      });
      if (secret.status !== 200) throw new Error(`webhook secret: ${secret.status}`);
      receiver.setSecret(account.index, secret.body.secret);
    }
    for (let worker = 0; worker < WORKERS; worker++) await system.startWorker(worker);
    await system.workersReady();
    log(`system up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (api ${system.baseUrl})`);

    // --- Submissions and faults, for `durationSeconds` ----------------------------------------
    const t0 = Date.now();
    const plan = planFaults(rng.fork('faults'), durationMs, WORKERS);
    const watchdog = system.watch(abort.signal);
    const tasks = countTasks(db, abort.signal);
    const progress = reportProgress(tasks, traffic, faults, t0, log, abort.signal);
    const faultRun = runFaults(plan, system, t0, faults, abort.signal);
    await runTraffic(
      {
        baseUrl: system.baseUrl,
        accounts,
        models: MODELS,
        receiver,
        db,
        databaseUp: () => cluster?.running ?? false,
        loopsPerAccount: options.loopsPerAccount ?? 2,
        openTasks: () => tasks.current().open,
        maxOpenTasks: options.maxOpenTasks ?? 1500,
      },
      rng.fork('traffic'),
      abort.signal.aborted ? Date.now() : t0 + durationMs,
      traffic,
    );
    await faultRun;
    const submissionsEnded = Date.now();
    log(`submissions stopped after ${((submissionsEnded - t0) / 1000).toFixed(1)} s; settling`);

    // --- Settle, with a deadline ---------------------------------------------------------------
    const open = await waitUntilSettled(db, submissionsEnded + settleTimeoutMs, log, abort.signal);
    report.settled = open === null;
    if (report.settled) report.settleMs = Date.now() - submissionsEnded;
    else report.problems.push(`not settled ${settleTimeoutMs / 1000} s after submissions: ${open}`);
    abort.abort(); // stops the watchdog and the progress lines
    await Promise.all([watchdog, progress, tasks.stopped]);
    if (options.signal?.aborted) throw new Error('interrupted');

    // --- The books -----------------------------------------------------------------------------
    const verdict = await verifyRun({ db, baseUrl: system.baseUrl, accounts, traffic, receiver });
    report.figures = verdict.figures;
    report.integrityViolations = verdict.integrity;
    report.problems.push(...verdict.problems);
  } catch (error) {
    report.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  } finally {
    abort.abort();
    options.signal?.removeEventListener('abort', onAbort);
    report.faults = {
      ...faults,
      unexpectedExits: processes.unexpectedExits().map((p) => p.name),
    };
    report.requests = summariseTraffic(traffic);
    report.problems.push(...traffic.problems);
    if (receiver) {
      report.webhooks = {
        received: receiver.received(),
        answers: { ...receiver.answers },
        badSignatures: receiver.badSignatures.length,
      };
    }
    report.ok =
      report.error === null &&
      report.settled &&
      report.integrityViolations.length === 0 &&
      report.problems.length === 0;
    if (!report.ok) {
      for (const proc of processes.all()) {
        const errors = proc.errors();
        report.processOutput[proc.name] =
          (errors.length > 0 ? `first errors logged:\n${errors.join('\n')}\n…\n` : '') +
          tail(proc.output());
      }
    }
    await processes.killAll();
    await receiver?.close().catch(() => {});
    await db?.$disconnect().catch(() => {});
    await cluster?.stop().catch(() => {});
    await rm(root, { recursive: true, force: true }).catch(() => {});
    report.elapsedMs = Date.now() - startedAt;
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// The system under test: one API process, two worker slots, the cluster

class System {
  readonly baseUrl: string;
  readonly workers = WORKERS;
  readonly #slots: (RoleProcess | undefined)[] = [];
  #api: RoleProcess | undefined;
  /** Worker slots a fault left empty on purpose (the fault runner starts them again). */
  readonly #down = new Set<number>();
  #restarts = 0;
  #databaseRestarting = false;

  constructor(
    private readonly processes: ProcessSet,
    private readonly cluster: ChaosCluster,
    private readonly root: string,
    private readonly port: number,
    private readonly problems: string[],
  ) {
    this.baseUrl = `http://127.0.0.1:${port}`;
  }

  #env(): Record<string, string> {
    return {
      DATABASE_URL: this.cluster.connectionString,
      DATA_DIR: join(this.root, 'app'),
      HOST: '127.0.0.1',
      PORT: String(this.port),
      PUBLIC_BASE_URL: this.baseUrl,
      SEED_DEMO: 'false',
      ADMIN_EMAIL: 'chaos@batchreel.local',
      ADMIN_PASSWORD: `chaos-${randomUUID()}`,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
    };
  }

  async startApi() {
    await mkdir(join(this.root, 'app'), { recursive: true });
    const api = this.processes.start(`api#${++this.#restarts}`, 'api', this.#env());
    this.#api = api;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (!api.alive()) throw new Error(`${api.name} exited while starting (its output is below)`);
      const ready = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) })
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline) throw new Error('the API was not ready within 90 s');
      await sleep(200);
    }
  }

  /** A worker in slot `worker`, once the database is up (a process needs it to start). */
  async startWorker(worker: number) {
    while (this.#databaseRestarting) await sleep(100);
    this.#down.delete(worker);
    this.#slots[worker] = this.processes.start(
      `worker-${worker}#${++this.#restarts}`,
      'worker',
      { ...this.#env(), ...WORKER_ENV },
      '"worker started"',
    );
  }

  /** No worker is half-way through starting (running, handlers not registered yet). */
  async workersReady() {
    const deadline = Date.now() + 60_000;
    while (this.#slots.some((p) => p?.alive() && !p.ready())) {
      if (Date.now() > deadline) throw new Error('the workers did not start within 60 s');
      await sleep(100);
    }
  }

  async killWorker(worker: number) {
    this.#down.add(worker);
    await this.#slots[worker]?.kill();
  }

  async restartDatabase(downMs: number, stopped: () => void) {
    this.#databaseRestarting = true;
    try {
      await this.workersReady();
      await this.cluster.stop();
      stopped();
      await sleep(downMs);
      await this.cluster.start();
    } finally {
      this.#databaseRestarting = false;
    }
  }

  /**
   * The API and the workers must survive the faults by themselves (reconnect after the database
   * restart). One that exits on its own is a failure of the run; it is started again so that the
   * run can still settle and show what else went wrong.
   */
  async watch(signal: AbortSignal) {
    while (!signal.aborted) {
      await sleep(250, undefined, { signal }).catch(() => {});
      if (signal.aborted) return;
      const api = this.#api;
      if (api && !api.alive() && !api.killedOnPurpose()) {
        this.problems.push(`${api.name} exited on its own:\n${tail(api.output(), 3000)}`);
        while (this.#databaseRestarting) await sleep(100);
        await this.startApi().catch((error: Error) => this.problems.push(error.message));
      }
      for (let worker = 0; worker < this.#slots.length; worker++) {
        const proc = this.#slots[worker];
        if (!proc || proc.alive() || this.#down.has(worker) || proc.killedOnPurpose()) continue;
        this.problems.push(`${proc.name} exited on its own:\n${tail(proc.output(), 3000)}`);
        await this.startWorker(worker);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------

async function seedCatalogue(db: Database) {
  for (const model of MODELS) {
    // A killed worker's running tasks hold their model's slots until pg-boss hands their jobs on
    // (~20 s); a roomy limit keeps the surviving worker busy meanwhile.
    await db.model.upsert({
      where: { id: model.id },
      create: {
        id: model.id,
        displayName: model.id,
        provider: 'simulator',
        providerModel: model.id,
        priceCredits: model.priceCredits,
        maxConcurrency: 40,
      },
      update: { priceCredits: model.priceCredits, maxConcurrency: 40, enabled: true },
    });
  }
}

/** Accounts with an API key (the service function) and credits (a `topup` ledger entry). */
async function createAccounts(db: Database, rng: Rng, count: number): Promise<ChaosAccount[]> {
  const accounts: ChaosAccount[] = [];
  for (let index = 0; index < count; index++) {
    const poor = index === count - 1;
    const account = await db.account.create({ data: { name: `Chaos ${index}` } });
    const key = await createApiKey(db, {
      accountId: account.id,
      name: 'chaos run',
      createdBy: 'chaos',
    });
    if (!key.ok) throw new Error(`API key: ${key.error.code}`);
    const credits = poor ? 150 : rng.int(2500, 7000);
    await db.$transaction((tx) =>
      grantCredits(tx, {
        accountId: account.id,
        credits,
        reason: 'Chaos run: opening grant',
        actor: 'chaos:finance',
      }),
    );
    accounts.push({ index, id: account.id, name: account.name, apiKey: key.value.secret });
  }
  return accounts;
}

/** Null once nothing is left to happen; otherwise what is still open at the deadline. */
async function waitUntilSettled(
  db: Database,
  deadline: number,
  log: (line: string) => void,
  signal: AbortSignal,
): Promise<string | null> {
  let lastLog = 0;
  let open = 'unknown (the database did not answer)';
  while (!signal.aborted) {
    try {
      const [row] = await db.$queryRaw<{ batches: number; tasks: number; deliveries: number }[]>`
        SELECT (SELECT count(*) FROM batch_jobs WHERE settlement_status = 'pending')::int AS batches,
               (SELECT count(*) FROM video_tasks WHERE status IN ('queued', 'running'))::int AS tasks,
               (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::int AS deliveries`;
      if (row && row.batches + row.tasks + row.deliveries === 0) return null;
      open =
        `${row?.batches} batch(es) unsettled, ${row?.tasks} task(s) queued/running, ` +
        `${row?.deliveries} webhook delivery(ies) pending`;
      if (Date.now() - lastLog > 5000) {
        log(`settling: ${open}`);
        lastLog = Date.now();
      }
    } catch {}
    if (Date.now() > deadline) return `${open}\n${await diagnose(db)}`;
    await sleep(500);
  }
  return open;
}

/** What is stuck, for the report of a run that did not settle. */
async function diagnose(db: Database): Promise<string> {
  try {
    const batches = await db.$queryRaw<unknown[]>`
      SELECT b.id, b.status, b.frozen_credits, b.cancel_requested, b.integrity_error,
             (SELECT json_object_agg(status, n) FROM (
                SELECT status, count(*)::int AS n FROM video_tasks t WHERE t.batch_id = b.id
                 GROUP BY status) s) AS tasks
        FROM batch_jobs b WHERE b.settlement_status = 'pending' LIMIT 10`;
    const jobs = await db.$queryRaw<unknown[]>`
      SELECT name, state::text, count(*)::int AS n FROM pgboss.job
       WHERE state NOT IN ('completed') GROUP BY name, state ORDER BY name, state`;
    return JSON.stringify({ batches, jobs }, null, 1);
  } catch (error) {
    return `(diagnosis failed: ${(error as Error).message})`;
  }
}

async function reportProgress(
  tasks: TaskCounter,
  traffic: ReturnType<typeof emptyTrafficLog>,
  faults: ReturnType<typeof emptyFaultLog>,
  t0: number,
  log: (line: string) => void,
  signal: AbortSignal,
) {
  while (!signal.aborted) {
    await sleep(5000, undefined, { signal }).catch(() => {});
    if (signal.aborted) return;
    const t = tasks.current();
    log(
      `${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s  submissions ${traffic.submissions} ` +
        `(202: ${traffic.admitted.size}, 402: ${traffic.refused})  tasks ` +
        `${t.answered ? `${t.done}/${t.total}` : '(database down)'}  kills ${faults.workerKills}  ` +
        `db restarts ${faults.databaseRestarts}`,
    );
  }
}

interface TaskCounts {
  /** Queued or running. */
  open: number;
  /** Succeeded, failed or canceled. */
  done: number;
  total: number;
  /** Whether the last count got an answer (the figures are the last ones that did). */
  answered: boolean;
}
type TaskCounter = ReturnType<typeof countTasks>;

/**
 * The run's tasks counted every second while it lasts, for the clients' back-off and the progress
 * lines; while the database is down the figures stay at their last answer.
 */
function countTasks(db: Database, signal: AbortSignal) {
  let counts: TaskCounts = { open: 0, done: 0, total: 0, answered: false };
  const stopped = (async () => {
    while (!signal.aborted) {
      const rows = await db.$queryRaw<{ open: number; total: number }[]>`
        SELECT count(*) FILTER (WHERE status IN ('queued', 'running'))::int AS open,
               count(*)::int AS total FROM video_tasks`.catch(() => null);
      const row = rows?.[0];
      counts = row
        ? { open: row.open, done: row.total - row.open, total: row.total, answered: true }
        : { ...counts, answered: false };
      await sleep(1000, undefined, { signal }).catch(() => {});
    }
  })();
  return { current: () => counts, stopped };
}

function summariseTraffic(traffic: ReturnType<typeof emptyTrafficLog>): ChaosReport['requests'] {
  return {
    http: traffic.requests,
    statuses: { ...traffic.statuses },
    submissions: traffic.submissions,
    admitted: traffic.admitted.size,
    replays: traffic.replays,
    inProgress409: traffic.inProgress,
    refused402: traffic.refused,
    reusedKey422: traffic.reusedKeyRefusals,
    duplicateGroups: traffic.duplicateGroups,
    unansweredWithoutKey: traffic.unansweredWithoutKey,
    cancels: { ...traffic.cancels },
    topups: { ...traffic.topups },
    balanceReads: traffic.balanceReads,
    heldBack: traffic.heldBack,
    batchReads: traffic.batchReads,
  };
}

function emptyAnswers() {
  return { ok: 0, slow_ok: 0, error_500: 0, error_503: 0, hang: 0, reset: 0 };
}

function tail(text: string, chars = 6000) {
  return text.length > chars ? `…${text.slice(-chars)}` : text;
}
