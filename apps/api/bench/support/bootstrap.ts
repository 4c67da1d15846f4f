import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createPrismaClient, type Database, migrate } from '@batchreel/db';
import { buildServer } from '../../src/app/server';
import { seedDemoData } from '../../src/demo/seed';
import { grantCredits } from '../../src/ledger/grant';
import { createLogger, type Logger } from '../../src/platform/logger';
import { type Queue, startQueue } from '../../src/platform/queue';
import { type BenchDatabase, openBenchDatabase } from './database';
import { secondsSince } from './stats';

/** The clean-up of one bench run. */
export interface BenchRun {
  /**
   * Registers a clean-up step. Steps run once, newest first, when the bench ends however it ends;
   * the function returned runs this one now instead (and forgets it).
   */
  defer(step: () => Promise<unknown>): () => Promise<void>;
}

/**
 * Runs a bench's `main` as every bench runs: failures print `benchmark failed:` and exit 1,
 * SIGINT/SIGTERM stop `what` and exit 130, and `bench took …` closes a finished run. A bench is
 * a report, not a test: it exits 0 whenever it ran, whatever its figures.
 */
export async function runBench(what: string, main: (run: BenchRun) => Promise<void>) {
  const started = performance.now();
  const steps: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const step of steps.splice(0).reverse()) {
      await step().catch((error: unknown) => console.error('cleanup step failed:', error));
    }
  };
  const run: BenchRun = {
    defer(step) {
      steps.push(step);
      return async () => {
        const index = steps.indexOf(step);
        if (index < 0) return;
        steps.splice(index, 1);
        await step();
      };
    },
  };
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    console.error(`\ninterrupted: stopping ${what}`);
    process.exitCode = 130;
    void cleanup().then(() => process.exit());
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  try {
    await main(run);
    console.log(`\nbench took ${secondsSince(started)}`);
  } catch (error) {
    if (!interrupted) {
      console.error('benchmark failed:', error);
      process.exitCode = 1;
    }
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
  }
}

export interface BenchBase {
  database: BenchDatabase;
  db: Database;
  logger: Logger;
}

/**
 * A fresh database (see `openBenchDatabase`), migrated and seeded with the demo data (the demo
 * account, its key and the `sora-2` model), a Prisma client on it and a silent logger.
 */
export async function openBench(
  run: BenchRun,
  options: { durable: boolean; applicationName: string },
): Promise<BenchBase> {
  const database = await openBenchDatabase({ durable: options.durable });
  run.defer(() => database.close());
  await migrate(database.connectionString);
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const db = createPrismaClient(database.connectionString, {
    applicationName: options.applicationName,
  });
  run.defer(() => db.$disconnect());
  await seedDemoData(db);
  return { database, db, logger };
}

/** pg-boss on the bench's database (`poolSize` connections), stopped at the end. */
export async function startBenchQueue(
  run: BenchRun,
  base: BenchBase,
  poolSize?: number,
): Promise<Queue> {
  const queue = await startQueue(base.database.connectionString, base.logger, poolSize);
  run.defer(() => queue.stop({ graceful: false }));
  return queue;
}

/**
 * The real HTTP server (`buildServer`) listening on a loopback port. Not rate-limited: the
 * default 600 requests/minute per key would throttle the bench itself.
 */
export async function startBenchServer(deps: { db: Database; queue: Queue; logger: Logger }) {
  const app = await buildServer({ ...deps, config: { rateLimitPerMinute: 1_000_000 } });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    baseUrl,
    async close() {
      const closed = app.close();
      // A request still in flight (only when interrupted) would otherwise keep its keep-alive
      // connection, and so close(), open until the server's keep-alive timeout.
      app.server.closeAllConnections();
      await closed;
    },
  };
}

/** Credits for the account's planned admissions: a `topup` ledger entry (balance by the trigger). */
export async function grantBenchCredits(db: Database, accountId: string, credits: number) {
  await db.$transaction((tx) =>
    grantCredits(tx, { accountId, credits, reason: 'bench', actor: 'bench' }),
  );
}

/** The first lines of every report: the bench, the machine, Node, PostgreSQL and its settings. */
export async function printBenchHeader(title: string, base: BenchBase) {
  const [settings] = await base.db.$queryRaw<
    { version: string; fsync: string; synchronous_commit: string }[]
  >`SELECT version() AS version, current_setting('fsync') AS fsync,
           current_setting('synchronous_commit') AS synchronous_commit`;
  const cpuList = cpus();
  console.log(title);
  console.log(`  machine   ${cpuList.length} × ${cpuList[0]?.model ?? 'unknown CPU'}`);
  console.log(`  node      ${process.version}`);
  console.log(`  postgres  ${settings?.version.split(',')[0] ?? 'unknown'}`);
  console.log(
    `  database  ${base.database.description}; fsync=${settings?.fsync}, synchronous_commit=${settings?.synchronous_commit}`,
  );
}
