import { createPrismaClient, type Database } from '@batchreel/db';
import { createTestDatabase } from '@batchreel/db/testing';
import { buildServer } from '../../src/app/server';
import { startWorker } from '../../src/app/worker';
import { seedDemoData } from '../../src/demo/seed';
import { createLogger } from '../../src/platform/logger';
import { type Storage, temporaryStorage } from '../../src/platform/object-store';
import { startQueue } from '../../src/platform/queue';
import { createProviderRegistry, type LiveProviderOptions } from '../../src/providers/registry';

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

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in assertions
type Json = any;

/** Admits a batch over the public REST API with the demo key. */
export async function admit(baseUrl: string, items: Record<string, unknown>[]): Promise<Json> {
  const response = await fetch(`${baseUrl}/api/enterprise/video-batch`, {
    method: 'POST',
    headers: { 'x-api-key': 'demo-key', 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  const body = (await response.json()) as Json;
  if (response.status !== 202)
    throw new Error(`admission answered ${response.status}: ${JSON.stringify(body)}`);
  return body;
}

/** Reads the batch over REST until it has settled (or the time is up). */
export async function settled(baseUrl: string, batchId: string, timeoutMs = 20_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  let batch: Json;
  do {
    batch = await fetch(`${baseUrl}/api/enterprise/video-batch/${batchId}`, {
      headers: { 'x-api-key': 'demo-key' },
    }).then((r) => r.json());
    if (batch.settlement_status !== 'pending') return batch;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < until);
  return batch;
}
