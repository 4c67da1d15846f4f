import { createPrismaClient, type Database, freePort } from '@batchreel/db';
import { createTestDatabase, type TestDatabase } from '@batchreel/db/testing';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerConfig } from '../src/app/server';
import { startWorker } from '../src/app/worker';
import { demoReceiverEndpoint } from '../src/demo/receiver';
import { seedDemoData } from '../src/demo/seed';
import { createLogger } from '../src/platform/logger';
import { type Storage, temporaryStorage } from '../src/platform/object-store';
import type { OutboundPolicy } from '../src/platform/outbound';
import { type Queue, startQueue } from '../src/platform/queue';
import type { HttpVideosOptions } from '../src/providers/http-videos';
import { createProviderRegistry } from '../src/providers/registry';

export interface TestApp {
  db: Database;
  queue: Queue;
  /** The video store server and worker share (a temporary directory unless one was given). */
  storage: Storage;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>` of the listening server. */
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real server on a fresh database (demo data seeded unless `seed: false`) with a real
 * pg-boss, listening on a free port.
 */
export interface TestWorkerOptions {
  /** Runs after seeding, before the worker reads the catalogue (e.g. to set a model's limit). */
  beforeStart?: (db: Database) => Promise<void>;
  httpVideos?: HttpVideosOptions;
  latencyMs?: number;
  taskTimeoutMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  taskBatchSize?: number;
  /** Fetch loops of the worker (default 2). */
  taskConcurrency?: number;
  /** Webhook delivery (defaults: private networks allowed, 2 s timeout, retries 100 ms, 200 ms). */
  webhooks?: {
    timeoutMs?: number;
    retryScheduleMs?: number[];
    outbound?: OutboundPolicy;
    concurrency?: number;
  };
}

export async function startTestApp(
  options: {
    seed?: boolean;
    config?: Partial<ServerConfig>;
    worker?: TestWorkerOptions | boolean;
    /** A built admin SPA to serve at /admin (browser tests). */
    adminAssetsDir?: string;
    /** The video store (default: a filesystem store in a temporary directory). */
    storage?: Storage;
    /**
     * Serve the demo webhook receiver and let the worker reach it (as `SEED_DEMO` does in
     * `pnpm start`); the server then listens on a port chosen up front, part of its address.
     */
    demoReceiver?: boolean;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const db = createPrismaClient(database.connectionString, { maxConnections: 4 });
  const queue = await startQueue(database.connectionString, logger, options.worker ? 6 : 2);
  if (options.seed ?? true) await seedDemoData(db);
  const port = options.demoReceiver ? await freePort() : 0;
  const storage = options.storage ?? temporaryStorage();
  const demoReceiver = options.demoReceiver
    ? demoReceiverEndpoint(`http://127.0.0.1:${port}`)
    : null;
  const app = await buildServer({
    db,
    queue,
    logger,
    adminAssetsDir: options.adminAssetsDir,
    storage,
    config: {
      allowPrivateNetworks: true,
      rateLimitPerMinute: 100_000,
      demoWebhookReceiver: demoReceiver,
      ...options.config,
    },
  });
  const baseUrl = await app.listen({ port, host: '127.0.0.1' });
  if (options.worker) {
    const w = options.worker === true ? {} : options.worker;
    await w.beforeStart?.(db);
    await startWorker({
      db,
      queue,
      logger,
      providers: createProviderRegistry({
        simulator: {
          latencyMs: w.latencyMs ?? 10,
          taskTimeoutMs: w.taskTimeoutMs ?? 300,
          publicBaseUrl: baseUrl,
        },
        httpVideos: w.httpVideos,
      }),
      retry: { maxAttempts: w.maxAttempts ?? 3, baseDelayMs: w.retryBaseMs ?? 50 },
      storage,
      taskBatchSize: w.taskBatchSize ?? 25,
      taskConcurrency: w.taskConcurrency ?? 2,
      pollingIntervalSeconds: 0.5,
      webhooks: {
        policy: {
          timeoutMs: w.webhooks?.timeoutMs ?? 2000,
          retryScheduleMs: w.webhooks?.retryScheduleMs ?? [100, 200],
        },
        outbound: {
          allowPrivateNetworks: true,
          ownEndpoint: demoReceiver,
          ...w.webhooks?.outbound,
        },
        concurrency: w.webhooks?.concurrency ?? 4,
      },
    });
  }
  return {
    db,
    queue,
    storage,
    app,
    baseUrl,
    database,
    close: async () => {
      await app.close();
      await queue.stop({ graceful: false });
      await db.$disconnect();
      await database.drop();
    },
  };
}
