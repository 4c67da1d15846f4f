import type { Batch, BatchAdmitted, VideoItem } from '@batchreel/client';
import { createPrismaClient, type Database } from '@batchreel/db';
import { createTestDatabase } from '@batchreel/db/testing';
import { buildServer } from '../../src/app/server';
import { startWorker } from '../../src/app/worker';
import { seedDemoData } from '../../src/demo/seed';
import { createLogger } from '../../src/platform/logger';
import { type Storage, temporaryStorage } from '../../src/platform/object-store';
import { startQueue } from '../../src/platform/queue';
import { createProviderRegistry, type LiveProviderOptions } from '../../src/providers/registry';
import { submitBatch, waitUntilSettled } from '../support/scenarios';

export interface ProviderWorkerApp {
  db: Database;
  storage: Storage;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The real API and worker on a fresh database (demo data seeded), with live providers pointed
 * at fake servers. `beforeStart` runs before the worker reads the catalogue (add the models).
 */
export async function startProviderWorkerApp(options: {
  providers: LiveProviderOptions;
  beforeStart: (db: Database) => Promise<void>;
  maxAttempts?: number;
  retryBaseMs?: number;
  /** The video store (default: a filesystem store in a temporary directory). */
  storage?: Storage;
}): Promise<ProviderWorkerApp> {
  const storage = options.storage ?? temporaryStorage();
  const database = await createTestDatabase();
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const db = createPrismaClient(database.connectionString, { maxConnections: 4 });
  const queue = await startQueue(database.connectionString, logger, 6);
  await seedDemoData(db);
  const app = await buildServer({
    db,
    queue,
    logger,
    storage,
    config: { allowPrivateNetworks: true, rateLimitPerMinute: 100_000 },
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  await options.beforeStart(db);
  await startWorker({
    db,
    queue,
    logger,
    providers: createProviderRegistry({
      simulator: { latencyMs: 10, taskTimeoutMs: 300, publicBaseUrl: baseUrl },
      ...options.providers,
    }),
    retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: options.retryBaseMs ?? 50 },
    storage,
    taskBatchSize: 25,
    taskConcurrency: 2,
    pollingIntervalSeconds: 0.5,
    webhooks: {
      policy: { timeoutMs: 2000, retryScheduleMs: [100, 200] },
      outbound: { allowPrivateNetworks: true, ownEndpoint: null },
      concurrency: 2,
    },
  });
  return {
    db,
    storage,
    baseUrl,
    close: async () => {
      await app.close();
      await queue.stop({ graceful: false });
      await db.$disconnect();
      await database.drop();
    },
  };
}

/** Admits a batch of `items` over the public REST API with the demo key, through the typed client. */
export function admit(baseUrl: string, items: VideoItem[]): Promise<BatchAdmitted> {
  return submitBatch({ baseUrl }, items);
}

/** Reads the batch over REST until it has settled. */
export function settled(baseUrl: string, batchId: string, timeoutMs = 20_000): Promise<Batch> {
  return waitUntilSettled({ baseUrl }, batchId, { timeoutMs });
}
