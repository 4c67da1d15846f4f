import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_FILE, freePort } from '@batchreel/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, startSystem as start, stopSystem as stop, waitUntilReady } from './support/system';

/** The embedded cluster's own URL, with the password kept in its directory. */
async function clusterUrl(dataDir: string, port: number, database: string) {
  const access = JSON.parse(await readFile(join(dataDir, 'postgres', ACCESS_FILE), 'utf8'));
  return `postgresql://postgres:${access.password}@127.0.0.1:${port}/${database}`;
}

describe('pnpm start (embedded PostgreSQL under DATA_DIR)', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let pgPort: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'batchreel-start-'));
    // The embedded cluster runs as the `postgres` OS user when we are root: let it reach its folder.
    await chmod(dataDir, 0o755);
    pgPort = await freePort();
    env = {
      DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(pgPort),
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    };
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('comes up ready, seeds once across restarts, and stops cleanly', async () => {
    const url = `http://127.0.0.1:${env.PORT}`;
    const t0 = Date.now();
    const first = start(env);
    const readyAt = await waitUntilReady(url, first);
    expect(readyAt - t0).toBeLessThan(30_000);
    expect(first.output()).toMatch(/demo data seeded/);
    expect(first.output()).toMatch(/admin sign-in: admin@batchreel\.local \/ [\w-]{24}/);
    expect(await stop(first)).toBe(0);

    const second = start(env);
    await waitUntilReady(url, second);
    expect(second.output()).toMatch(/demo data already present/);
    // The generated password is printed again, so a restarted demo can still sign in.
    const password = /admin sign-in: admin@batchreel\.local \/ ([\w-]{24})/.exec(
      first.output(),
    )?.[1];
    expect(second.output()).toContain(`admin sign-in: admin@batchreel.local / ${password}`);

    // Look at the database the process used while it is still running.
    const client = new pg.Client({
      connectionString: await clusterUrl(dataDir, pgPort, 'batchreel'),
    });
    await client.connect();
    try {
      const accounts = await client.query('SELECT name, balance FROM accounts');
      expect(accounts.rows).toEqual([{ name: 'Demo Corp', balance: 5000 }]);
      const ledger = await client.query('SELECT ref_type, credits_delta FROM credit_ledger');
      expect(ledger.rows).toEqual([{ ref_type: 'topup', credits_delta: 5000 }]);
    } finally {
      await client.end();
    }
    expect(await stop(second)).toBe(0);
    // The embedded cluster went down with the process.
    const probe = new pg.Client({
      connectionString: await clusterUrl(dataDir, pgPort, 'postgres'),
      connectionTimeoutMillis: 1000,
    });
    await expect(probe.connect()).rejects.toThrow();
  }, 90_000);

  it('stops with a message naming a bad variable', async () => {
    const started = start({ ...env, PORT: 'eighty' });
    expect(await exitOf(started)).toBe(78);
    expect(started.output()).toMatch(/Invalid configuration:\s+PORT:/);
  });
});
