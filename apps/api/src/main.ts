// `pnpm start`: the whole system in one process — database (embedded unless DATABASE_URL),
// migrations, demo seed, and the HTTP server. The worker joins here with the execution issue.
import { mkdir } from 'node:fs/promises';
import { ensureAdminUser } from './admin/bootstrap';
import { seedDemoData } from './demo/seed';
import { ConfigError, loadEnv } from './env';
import { openDatabase } from './platform/database';
import { createLogger } from './platform/logger';
import { startQueue } from './platform/queue';
import { buildServer } from './server';

/** How long requests in flight may take to finish after SIGTERM. */
const SHUTDOWN_DRAIN_MS = 10_000;

async function main() {
  let env: ReturnType<typeof loadEnv>;
  try {
    env = loadEnv();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = createLogger(env);
  await mkdir(env.DATA_DIR, { recursive: true });

  const database = await openDatabase(env, logger, 'batchreel-api');
  const queue = await startQueue(database.connectionString, logger);

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
  if (admin) {
    // Printed on purpose (SPEC §2): whoever ran `pnpm start` needs it to sign in to /admin.
    const password = admin.password ?? '(unchanged; set ADMIN_PASSWORD to choose one)';
    logger.info(
      { adminEmail: admin.email, created: admin.created },
      `admin sign-in: ${admin.email} / ${password}`,
    );
  }

  const app = await buildServer({
    db: database.db,
    queue,
    logger,
    config: {
      // Local development and tests deliver webhooks to http://localhost; production is https-only.
      allowHttpWebhooks: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    },
  });
  await app.listen({ port: env.PORT, host: env.HOST });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // close() stops accepting and waits for requests in flight; a keep-alive connection that goes
    // idle after that would hold it open forever, so cut what is left after a drain period.
    const drain = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_DRAIN_MS);
    drain.unref();
    await app.close();
    clearTimeout(drain);
    await queue.stop({ graceful: true, timeout: 10_000 });
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
