import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, readMigrations } from '../src/migrate/runner';
import { MIGRATIONS_DIR } from '../src/paths';
import { testServerConnectionString, withDatabase } from '../src/testing';

// These tests need empty databases, not clones of the migrated template.
const created: string[] = [];
async function emptyDatabase(): Promise<string> {
  const name = `bt_empty_${process.pid}_${created.length}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: testServerConnectionString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  await admin.end();
  created.push(name);
  return withDatabase(testServerConnectionString(), name);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

afterAll(async () => {
  const admin = new pg.Client({ connectionString: testServerConnectionString() });
  await admin.connect();
  for (const name of created) {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  }
  await admin.end();
});

describe('migration runner', () => {
  let url: string;
  beforeAll(async () => {
    url = await emptyDatabase();
  });

  it('applies every migration to an empty database and records it as Prisma does', async () => {
    const migrations = await readMigrations();
    const result = await migrate(url);
    expect(result.applied).toEqual(migrations.map((m) => m.name));
    const rows = await query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
    }>(
      url,
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
    );
    expect(rows.map((r) => [r.migration_name, r.checksum])).toEqual(
      migrations.map((m) => [m.name, m.checksum]),
    );
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    const tables = await query<{ table_name: string }>(
      url,
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['batch_jobs', 'video_tasks', 'credit_ledger', 'accounts']),
    );
  });

  it('applies nothing when re-run', async () => {
    const result = await migrate(url);
    expect(result).toEqual({ applied: [], unknown: [] });
    const [{ count }] = (await query<{ count: string }>(
      url,
      'SELECT count(*) FROM _prisma_migrations',
    )) as [{ count: string }];
    expect(Number(count)).toBe((await readMigrations()).length);
  });

  it('is safe when several processes migrate the same database at once', async () => {
    const fresh = await emptyDatabase();
    const results = await Promise.all([migrate(fresh), migrate(fresh), migrate(fresh)]);
    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, 0, (await readMigrations()).length]);
  });

  describe('with a migrations folder of its own', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'batchreel-migrations-'));
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('refuses to run when an applied migration was edited afterwards', async () => {
      const fresh = await emptyDatabase();
      await migrate(fresh, { migrationsDir: dir });
      const [first] = await readMigrations(dir);
      await writeFile(join(dir, first?.name ?? '', 'migration.sql'), `${first?.sql}\n-- edited\n`);
      await expect(migrate(fresh, { migrationsDir: dir })).rejects.toThrow(
        /changed after it was applied/,
      );
    });

    it('rolls a failing migration back whole, leaving no record', async () => {
      const fresh = await emptyDatabase();
      const brokenDir = await mkdtemp(join(tmpdir(), 'batchreel-broken-'));
      await mkdir(join(brokenDir, '29990101000000_broken'));
      await writeFile(
        join(brokenDir, '29990101000000_broken', 'migration.sql'),
        'CREATE TABLE half_done (id int);\nSELECT 1/0;',
      );
      await expect(migrate(fresh, { migrationsDir: brokenDir })).rejects.toThrow(
        /29990101000000_broken failed: division by zero/,
      );
      expect(
        await query(fresh, "SELECT 1 FROM pg_tables WHERE tablename = 'half_done'"),
      ).toHaveLength(0);
      expect(await query(fresh, 'SELECT 1 FROM _prisma_migrations')).toHaveLength(0);
      await rm(brokenDir, { recursive: true, force: true });
    });
  });
});
