// Ledger ids are consecutive: only the insert trigger draws them, under the account lock
// (migration 20261126090000_gapless_ledger_ids). An auditor reads a gap in an append-only ledger
// as a deleted row, so gaps must not appear in normal operation; where one can (a rolled-back
// transaction), the hash chain still shows that nothing is missing.
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate/runner';
import { MIGRATIONS_DIR } from '../src/paths';
import { createTestDatabase, type TestDatabase, testServerConnectionString } from '../src/testing';
import { withDatabase } from '../src/testing/global-setup';

const GAPLESS_MIGRATION = '20261126090000_gapless_ledger_ids';

type Row = {
  id: string;
  account_id: string;
  credits_delta: number;
  balance_after: number;
  prev_hash: string;
  row_hash: string;
};

const ledger = async (sql: pg.ClientBase | pg.Pool) =>
  (
    await sql.query<Row>(
      `SELECT id::text, account_id, credits_delta, balance_after, prev_hash, row_hash
         FROM credit_ledger ORDER BY credit_ledger.id`,
    )
  ).rows;

const topUp = (sql: pg.ClientBase | pg.Pool, accountId: string, credits: number) =>
  sql.query(
    `INSERT INTO credit_ledger (account_id, ref_type, ref_id, credits_delta, balance_after, memo, actor)
     VALUES ($1, 'topup', $2, $3, 0, 'test', 'test')`,
    [accountId, randomUUID(), credits],
  );

const newAccount = async (sql: pg.ClientBase | pg.Pool, name: string) =>
  (await sql.query<{ id: string }>('INSERT INTO accounts (name) VALUES ($1) RETURNING id', [name]))
    .rows[0]?.id ?? '';

/** Each account's rows link to its previous row (genesis aside), in id order. */
function expectChainsLinked(rows: Row[]) {
  const last = new Map<string, string>();
  for (const row of rows) {
    const previous = last.get(row.account_id);
    if (previous !== undefined) expect(row.prev_hash, `row ${row.id}`).toBe(previous);
    last.set(row.account_id, row.row_hash);
  }
}

describe('ledger ids', () => {
  let database: TestDatabase;
  let sql: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    sql = new pg.Pool({ connectionString: database.connectionString, max: 8 });
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
  });

  it('are consecutive under concurrent writers of several accounts, in balance order', async () => {
    const accounts = await Promise.all(['A', 'B', 'C'].map((name) => newAccount(sql, name)));
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => topUp(sql, accounts[i % 3] ?? '', i + 1)),
    );
    const rows = await ledger(sql);
    expect(rows).toHaveLength(60);
    const ids = rows.map((r) => Number(r.id));
    expect(ids).toEqual(Array.from({ length: 60 }, (_, i) => (ids[0] ?? 0) + i));
    // Per account, id order is the order the balance moved in.
    for (const account of accounts) {
      let balance = 0;
      for (const row of rows.filter((r) => r.account_id === account)) {
        balance += row.credits_delta;
        expect(row.balance_after).toBe(balance);
      }
    }
    expectChainsLinked(rows);
  });

  it('may skip a number for a rolled-back transaction; the hash chain still links', async () => {
    const account = await newAccount(sql, 'Rollback Ltd');
    await topUp(sql, account, 100);
    const client = await sql.connect();
    try {
      await client.query('BEGIN');
      await topUp(client, account, 5);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    await topUp(sql, account, 7);
    const rows = (await ledger(sql)).filter((r) => r.account_id === account);
    expect(rows.map((r) => r.credits_delta)).toEqual([100, 7]);
    // The number the rolled-back row drew is not reused (sequences never go back)...
    expect(Number(rows[1]?.id) - Number(rows[0]?.id)).toBe(2);
    // ...but the next row is chained to the last committed one: nothing is missing.
    expect(rows[1]?.prev_hash).toBe(rows[0]?.row_hash);
  });

  it('refuses a row whose id did not come from the trigger', async () => {
    const account = await newAccount(sql, 'Bypass Ltd');
    const client = await sql.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        'ALTER TABLE credit_ledger DISABLE TRIGGER credit_ledger_apply_to_balance',
      );
      const error = await client
        .query(
          `INSERT INTO credit_ledger (account_id, ref_type, ref_id, credits_delta, balance_after, actor, prev_hash, row_hash)
           VALUES ($1, 'topup', $2, 10, 10, 'test', 'x', 'y')`,
          [account, randomUUID()],
        )
        .then(
          () => null,
          (e: { constraint?: string }) => e,
        );
      expect(error?.constraint).toBe('credit_ledger_id_from_sequence');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('the gapless-ids migration on an existing database', () => {
  const name = `bt_gapless_${process.pid}_${Date.now().toString(36)}`;
  let url: string;
  let before: string;
  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: testServerConnectionString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    await admin.end();
    url = withDatabase(testServerConnectionString(), name);
    // Every migration up to the one under test, as a database deployed before it would have.
    before = await mkdtemp(join(tmpdir(), 'batchreel-migrations-'));
    for (const entry of await readdir(MIGRATIONS_DIR, { withFileTypes: true })) {
      if (entry.name >= GAPLESS_MIGRATION) continue;
      await cp(join(MIGRATIONS_DIR, entry.name), join(before, entry.name), { recursive: true });
    }
    await migrate(url, { migrationsDir: before });
  });
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: testServerConnectionString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
    if (before) await rm(before, { recursive: true, force: true });
  });

  it('keeps the old rows as they are and numbers new ones consecutively after them', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const account = await newAccount(client, 'Legacy Corp');
      for (const credits of [100, 20, 3]) await topUp(client, account, credits);
      const old = await ledger(client);
      // What the issue describes: every row used two numbers.
      expect(old.map((r) => Number(r.id))).toEqual([2, 4, 6]);

      // This migration first, then whatever came after it.
      const { applied } = await migrate(url);
      expect(applied[0]).toBe(GAPLESS_MIGRATION);
      expect(await ledger(client)).toEqual(old);

      for (const credits of [4, 5, 6]) await topUp(client, account, credits);
      const rows = await ledger(client);
      expect(rows.map((r) => Number(r.id))).toEqual([2, 4, 6, 7, 8, 9]);
      expect(rows.map((r) => r.balance_after)).toEqual([100, 120, 123, 127, 132, 138]);
      expectChainsLinked(rows);
    } finally {
      await client.end();
    }
  });
});
