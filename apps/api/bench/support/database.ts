import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@batchreel/db';
import pg from 'pg';
import { benchEnv } from './env';

/** The database a benchmark runs on, and how to put it away afterwards. */
export interface BenchDatabase {
  connectionString: string;
  description: string;
  close(): Promise<void>;
}

/**
 * A fresh database for one benchmark run: a new database on the `DATABASE_URL` server when that is
 * set (the role needs CREATEDB), otherwise a temporary embedded cluster (fsync off unless
 * `durable`). Either is removed by `close()`.
 */
export async function openBenchDatabase(options: { durable: boolean }): Promise<BenchDatabase> {
  const serverUrl = benchEnv.databaseUrl;
  if (serverUrl) {
    const name = `batchreel_bench_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return {
      connectionString: url.toString(),
      description: `DATABASE_URL server, fresh database ${name}`,
      close: () => admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'batchreel-bench-pg-'));
  // As root, PostgreSQL runs as the `postgres` OS user, which must be able to enter the directory.
  await chmod(dataDir, 0o755);
  try {
    const server = await startEmbeddedPostgres({ dataDir, ephemeral: !options.durable });
    return {
      connectionString: server.connectionString,
      description: `embedded PostgreSQL in ${dataDir} (${options.durable ? 'durable' : 'fsync off'})`,
      close: async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
