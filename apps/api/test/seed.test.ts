import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrismaClient, type Database } from '@batchreel/db';
import { createTestDatabase, type TestDatabase } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../src/accounts/api-keys';
import { DEMO, seedDemoData } from '../src/demo/seed';
import { DEFAULT_ADMIN_EMAIL, ensureAdminUser } from '../src/staff/bootstrap';
import { verifyPassword } from '../src/staff/passwords';

let database: TestDatabase;
let db: Database;
let dataDir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.connectionString, { maxConnections: 6 });
  dataDir = await mkdtemp(join(tmpdir(), 'batchreel-seed-'));
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('demo seed', () => {
  it('creates Demo Corp with 5,000 credits from one topup, demo-key and sora-2 — once', async () => {
    // Three processes starting at once, then a restart.
    const outcomes = await Promise.all([seedDemoData(db), seedDemoData(db), seedDemoData(db)]);
    expect(outcomes.sort()).toEqual(['seeded', 'skipped', 'skipped']);
    expect(await seedDemoData(db)).toBe('skipped');

    const accounts = await db.account.findMany();
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ name: 'Demo Corp', balance: 5000 });
    const ledger = await db.creditLedger.findMany();
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ refType: 'topup', creditsDelta: 5000, balanceAfter: 5000 });

    const key = await db.apiKey.findUniqueOrThrow({ where: { keyHash: hashApiKey(DEMO.apiKey) } });
    expect(key).toMatchObject({ accountId: accounts[0]?.id, prefix: 'demo-key', revokedAt: null });
    // Only the SHA-256 of the secret is stored.
    expect(key.keyHash).toMatch(/^[0-9a-f]{64}$/);

    const model = await db.model.findUniqueOrThrow({ where: { id: 'sora-2' } });
    expect(model).toMatchObject({ priceCredits: 10, provider: 'simulator', enabled: true });
  });
});

describe('first admin user', () => {
  it('is created once with a generated password that still signs in after a restart', async () => {
    const first = await ensureAdminUser(db, { dataDir });
    expect(first).toMatchObject({ email: DEFAULT_ADMIN_EMAIL, created: true });
    expect(first?.password).toMatch(/^[\w-]{24}$/);
    const user = await db.adminUser.findUniqueOrThrow({ where: { email: DEFAULT_ADMIN_EMAIL } });
    expect(user.role).toBe('admin');
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(user.passwordHash, first?.password ?? '')).toBe(true);
    expect(await verifyPassword(user.passwordHash, 'wrong password')).toBe(false);
    const saved = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8'));
    expect(saved).toEqual({ email: DEFAULT_ADMIN_EMAIL, password: first?.password });

    const again = await ensureAdminUser(db, { dataDir });
    expect(again).toEqual({
      email: DEFAULT_ADMIN_EMAIL,
      password: first?.password,
      created: false,
    });
    expect(await db.adminUser.count()).toBe(1);
  });

  it('uses ADMIN_EMAIL and ADMIN_PASSWORD when given, without writing them to disk', async () => {
    const result = await ensureAdminUser(db, {
      email: 'cfo@example.com',
      password: 'a long chosen password',
      dataDir: join(dataDir, 'does-not-exist'),
    });
    expect(result).toEqual({
      email: 'cfo@example.com',
      password: 'a long chosen password',
      created: true,
    });
    const user = await db.adminUser.findUniqueOrThrow({ where: { email: 'cfo@example.com' } });
    expect(await verifyPassword(user.passwordHash, 'a long chosen password')).toBe(true);
  });
});
