import { createPrismaClient, type Database } from '@batchreel/db';
import { createTestDatabase, type TestDatabase } from '@batchreel/db/testing';
import type { FastifyInstance } from 'fastify';
import { seedDemoData } from '../src/demo/seed';
import { createLogger } from '../src/platform/logger';
import { type Queue, startQueue } from '../src/platform/queue';
import { buildServer, type ServerConfig } from '../src/server';

export interface TestApp {
  db: Database;
  queue: Queue;
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
export async function startTestApp(
  options: { seed?: boolean; config?: Partial<ServerConfig> } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const db = createPrismaClient(database.connectionString, { maxConnections: 4 });
  const queue = await startQueue(database.connectionString, logger, 2);
  if (options.seed ?? true) await seedDemoData(db);
  const app = await buildServer({
    db,
    queue,
    logger,
    config: { allowHttpWebhooks: true, rateLimitPerMinute: 100_000, ...options.config },
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    db,
    queue,
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
