import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACCESS_FILE, freePort } from '@batchreel/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMBEDDED_PG_PORT } from '../src/env';
import {
  exitOf,
  startSystem as start,
  stopSystem as stop,
  waitForBanner,
  waitUntilReady,
} from './support/system';

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
    // Readiness time is a benchmark figure, not an assertion: a loaded machine (the suite beside
    // other work) took over 30 s here while the same start takes ~6 s alone.
    const readyAt = await waitUntilReady(url, first);
    expect(readyAt).toBeGreaterThan(t0);
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
  }, 240_000);

  it('stops with a message naming a bad variable', async () => {
    const started = start({ ...env, PORT: 'eighty' });
    expect(await exitOf(started)).toBe(78);
    expect(started.output()).toMatch(/Invalid configuration:\s+PORT:/);
  });
});

/** A DATA_DIR in the temporary directory that the embedded cluster's OS user can enter. */
async function newDataDir(name: string) {
  const dir = await mkdtemp(join(tmpdir(), `batchreel-${name}-`));
  await chmod(dir, 0o755);
  return dir;
}

describe('the start-up banner (LOG_FORMAT=pretty, as on a terminal)', () => {
  let dataDir: string;
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('shows where the admin and the API docs are, the sign-in, the demo key and the database', async () => {
    dataDir = await newDataDir('banner');
    const port = await freePort();
    const pgPort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_FORMAT: 'pretty',
    };
    const first = start(env);
    const banner = await waitForBanner(first);
    expect(banner.adminUrl).toBe(`http://localhost:${port}/admin/`);
    expect(banner.docsUrl).toBe(`http://localhost:${port}/api/enterprise/docs/`);
    expect(banner.email).toBe('admin@batchreel.local');
    expect(banner.password).toMatch(/^[\w-]{24}$/);
    expect(banner.demoKey).toBe('demo-key');
    expect(banner.databasePort).toBe(pgPort);
    expect(banner.portMoved).toBeNull();
    // Readable lines instead of JSON, and the banner's addresses answer.
    expect(first.output()).toMatch(/^\d\d:\d\d:\d\d INFO {2}demo data seeded/m);
    expect(
      first
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{')),
    ).toEqual([]);
    expect((await fetch(banner.docsUrl)).status).toBe(200);
    const balance = await fetch(`http://localhost:${port}/api/enterprise/balance`, {
      headers: { 'X-API-Key': `${banner.demoKey}` },
    });
    expect(((await balance.json()) as { balance: number }).balance).toBe(5000);
    expect(await stop(first)).toBe(0);

    // Restarted, the password is no longer shown; the banner says where it is kept.
    const second = start(env);
    const again = await waitForBanner(second);
    expect(again.password).toBeNull();
    expect(again.signInLine).toBe(
      `admin@batchreel.local (password: ${join(dataDir, 'admin-credentials.json')})`,
    );
    expect(second.output()).not.toContain(`${banner.password}`);
    expect(await stop(second)).toBe(0);
  }, 120_000);
});

describe('two checkouts started at once on the same default PostgreSQL port', () => {
  const dataDirs: string[] = [];
  afterAll(async () => {
    for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
  });

  it('each gets its own cluster and sees only its own data; the one that moved says so', async () => {
    const checkouts = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const dataDir = await newDataDir(`checkout-${name}`);
        dataDirs.push(dataDir);
        const port = await freePort();
        // No EMBEDDED_PG_PORT: both prefer the default port, as two fresh clones do.
        const env = {
          DATA_DIR: dataDir,
          PORT: String(port),
          ADMIN_EMAIL: `admin-${name}@example.com`,
          LOG_FORMAT: 'pretty',
        };
        return { name, dataDir, url: `http://127.0.0.1:${port}`, system: start(env) };
      }),
    );
    try {
      const banners = await Promise.all(checkouts.map((c) => waitForBanner(c.system, 90_000)));
      const [a, b] = banners;
      expect(a?.email).toBe('admin-a@example.com');
      expect(b?.email).toBe('admin-b@example.com');
      expect(a?.databasePort).not.toBe(b?.databasePort);
      // At most one of them got the default port; whichever did not says where it went and why.
      const moved = banners.filter((banner) => banner.databasePort !== DEFAULT_EMBEDDED_PG_PORT);
      expect(moved.length).toBeGreaterThanOrEqual(1);
      for (const banner of moved) {
        expect(banner.portMoved).toBe(
          `port ${DEFAULT_EMBEDDED_PG_PORT} was taken by another server, so it uses ${banner.databasePort}`,
        );
      }

      // A batch admitted by one checkout does not exist in the other.
      const [first, second] = checkouts;
      const admitted = await fetch(`${first?.url}/api/enterprise/video-batch`, {
        method: 'POST',
        headers: { 'X-API-Key': 'demo-key', 'Content-Type': 'application/json' },
        body: JSON.stringify({ items: [{ prompt: 'A cat playing piano', model: 'sora-2' }] }),
      });
      expect(admitted.status).toBe(202);
      const { batch_id: batchId } = (await admitted.json()) as { batch_id: string };
      const read = (url: string | undefined) =>
        fetch(`${url}/api/enterprise/video-batch/${batchId}`, {
          headers: { 'X-API-Key': 'demo-key' },
        });
      expect((await read(first?.url)).status).toBe(200);
      expect((await read(second?.url)).status).toBe(404);

      // Asked for another checkout's port explicitly, a third refuses to start and names it.
      const third = start({
        DATA_DIR: await newDataDir('checkout-c'),
        PORT: String(await freePort()),
        EMBEDDED_PG_PORT: String(a?.databasePort),
      });
      expect(await exitOf(third)).toBe(78);
      expect(third.output()).toContain(
        `EMBEDDED_PG_PORT: port ${a?.databasePort} is in use by another PostgreSQL cluster (${join(checkouts[0]?.dataDir ?? '', 'postgres')})`,
      );
    } finally {
      for (const checkout of checkouts) await stop(checkout.system);
    }
  }, 180_000);
});
