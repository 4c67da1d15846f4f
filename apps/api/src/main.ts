// `pnpm start`: the whole system in one process — database (embedded unless DATABASE_URL),
// migrations, demo seed, the HTTP server and the worker. `--role api` or `--role worker` runs one
// half, for scale-out: any number of each against one PostgreSQL.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildServer } from './app/server';
import { startWorker } from './app/worker';
import { activeDemoKey } from './demo/demo-key';
import { demoReceiverEndpoint } from './demo/receiver';
import { seedDemoData } from './demo/seed';
import { ConfigError, demoReceiverEnabled, type Env, loadEnv } from './env';
import { loadStatementKey } from './ledger/statement';
import { createMetricsRegistry } from './metrics/registry';
import { type BannerSignIn, formatBanner } from './platform/banner';
import { openDatabase } from './platform/database';
import { createLogger } from './platform/logger';
import { storageFromEnv } from './platform/object-store';
import { prettyLogDestination } from './platform/pretty-log';
import { startQueue } from './platform/queue';
import { createProviderRegistry, liveProvidersFromEnv } from './providers/registry';
import { ADMIN_CREDENTIALS_FILE, ensureAdminUser } from './staff/bootstrap';

/** The admin SPA as `pnpm --filter @batchreel/admin build` leaves it. */
const ADMIN_ASSETS_DIR = fileURLToPath(new URL('../../admin/dist', import.meta.url));

/** How long requests in flight may take to finish after SIGTERM. */
const SHUTDOWN_DRAIN_MS = 10_000;

type Role = 'all' | 'api' | 'worker';

function readRole(): Role {
  const { values } = parseArgs({
    options: { role: { type: 'string', default: 'all' } },
    strict: false,
  });
  const role = values.role;
  if (role === 'all' || role === 'api' || role === 'worker') return role;
  console.error(`--role must be all, api or worker (got ${String(role)})`);
  process.exit(64); // EX_USAGE
}

export function publicBaseUrl(env: Env) {
  return env.PUBLIC_BASE_URL?.replace(/\/$/, '') ?? `http://localhost:${env.PORT}`;
}

async function main() {
  const role = readRole();
  let env: Env;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // People at a terminal get readable lines and a banner; everything else gets JSON lines.
  const pretty = (env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  const logger = createLogger(
    env,
    role === 'worker' ? 'batchreel-worker' : 'batchreel-api',
    pretty ? prettyLogDestination(process.stdout.isTTY === true && !env.NO_COLOR) : undefined,
  );
  await mkdir(env.DATA_DIR, { recursive: true });

  const database = await openDatabase(env, logger, `batchreel-${role}`);
  const queue = await startQueue(database.connectionString, logger, role === 'api' ? 4 : 10);
  // One registry per process: with role `all`, /metrics also shows the worker's counters.
  const metrics = createMetricsRegistry();
  // The demo webhook receiver: served by the API, the one private target the worker may reach.
  const demoReceiver = demoReceiverEnabled(env) ? demoReceiverEndpoint(publicBaseUrl(env)) : null;
  // Where videos are kept: the worker writes them, the API delivers them (docs/storage.md).
  const storage = await storageFromEnv(env);

  let signIn: BannerSignIn | null = null;
  if (role !== 'worker') {
    if (env.SEED_DEMO) {
      const outcome = await seedDemoData(database.db);
      logger.info(
        { outcome },
        outcome === 'seeded' ? 'demo data seeded' : 'demo data already present',
      );
    }
    const admin = await ensureAdminUser(database.db, {
      email: env.ADMIN_EMAIL,
      password: env.ADMIN_PASSWORD,
      dataDir: env.DATA_DIR,
    });
    if (admin && pretty) {
      // The banner shows the sign-in once the system is up; the password only when just created.
      signIn = {
        ...admin,
        passwordSource: env.ADMIN_PASSWORD
          ? 'ADMIN_PASSWORD'
          : admin.password
            ? join(env.DATA_DIR, ADMIN_CREDENTIALS_FILE)
            : null,
      };
    } else if (admin) {
      // Printed on purpose (docs/product.md §2): whoever ran `pnpm start` needs it to sign in to /admin.
      const password = admin.password ?? '(unchanged; set ADMIN_PASSWORD to choose one)';
      logger.info(
        { adminEmail: admin.email, created: admin.created },
        `admin sign-in: ${admin.email} / ${password}`,
      );
    }
  }

  if (role !== 'api') {
    await startWorker({
      db: database.db,
      queue,
      logger,
      metrics,
      providers: createProviderRegistry({
        simulator: {
          latencyMs: env.SIMULATOR_LATENCY_MS,
          taskTimeoutMs: env.SIMULATOR_TIMEOUT_MS,
          publicBaseUrl: publicBaseUrl(env),
        },
        ...liveProvidersFromEnv(env),
      }),
      retry: { maxAttempts: env.TASK_MAX_ATTEMPTS, baseDelayMs: env.TASK_RETRY_BASE_MS },
      storage,
      taskBatchSize: env.WORKER_TASK_BATCH_SIZE,
      taskConcurrency: env.WORKER_TASK_CONCURRENCY,
      pollingIntervalSeconds: env.WORKER_POLL_SECONDS,
      webhooks: {
        policy: { timeoutMs: env.WEBHOOK_TIMEOUT_MS, retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE },
        outbound: {
          allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
          ownEndpoint: demoReceiver,
        },
        concurrency: env.WEBHOOK_CONCURRENCY,
      },
    });
  }

  const app =
    role === 'worker'
      ? null
      : await buildServer({
          db: database.db,
          queue,
          logger,
          metrics,
          adminAssetsDir: ADMIN_ASSETS_DIR,
          storage,
          statementKey: await loadStatementKey(env.STATEMENT_SIGNING_KEY, env.DATA_DIR),
          config: {
            // Local development and tests deliver webhooks to http://localhost; production is https-only.
            allowPrivateNetworks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
            rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
            metricsToken: env.METRICS_TOKEN ?? null,
            demoWebhookReceiver: demoReceiver,
            publicBaseUrl: env.PUBLIC_BASE_URL ? publicBaseUrl(env) : null,
          },
        });
  if (app) await app.listen({ port: env.PORT, host: env.HOST });
  if (app && pretty) {
    const banner = formatBanner(
      {
        baseUrl: publicBaseUrl(env),
        signIn,
        demoKey: await activeDemoKey(database.db),
        database: database.embedded,
      },
      process.stdout.isTTY === true && !env.NO_COLOR,
    );
    process.stdout.write(banner);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    if (app) {
      // close() stops accepting and waits for requests in flight; a keep-alive connection that
      // goes idle after that would hold it open forever, so cut what is left after a drain period.
      const drain = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
      drain.unref();
      await app.close();
      clearTimeout(drain);
    }
    // Workers finish the jobs they hold (or pg-boss hands them to another worker later).
    await queue.stop({ graceful: true, timeout: 10_000 });
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  // A configuration that cannot work (e.g. a port another server holds): the message says it all.
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78); // EX_CONFIG
  }
  console.error(error);
  process.exit(1);
});
