import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPrismaClient, type Database } from '@batchreel/db';
import { createAccount, createTestDatabase, type TestDatabase } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type ApiKeyView,
  createApiKey,
  generateApiKeySecret,
  hashApiKey,
  listApiKeys,
  revokeApiKey,
} from '../src/accounts/api-keys';
import { authenticateApiKey } from '../src/accounts/authenticate';
import { parseApiKeysCommand, runApiKeysCommand } from '../src/cli/api-keys';

const API_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET_FORMAT = /^br_live_[0-9A-Za-z]{40}$/;

let database: TestDatabase;
let db: Database;
beforeAll(async () => {
  database = await createTestDatabase();
  db = createPrismaClient(database.connectionString, { maxConnections: 6 });
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

async function newKey(accountId: string, name = 'Production') {
  const created = await createApiKey(db, { accountId, name, createdBy: 'test:staff' });
  if (!created.ok) throw new Error(`createApiKey refused: ${created.error.code}`);
  return created.value;
}

/** Every column of the key's row and its audit rows, as text, to search for leaked secrets. */
async function storedText(keyId: string): Promise<string> {
  const rows = await db.$queryRaw<{ row: string }[]>`
    SELECT row_to_json(k)::text AS row FROM api_keys k WHERE k.id = ${keyId}::uuid
    UNION ALL
    SELECT row_to_json(a)::text FROM audit_log a WHERE a.target_id = ${keyId}`;
  return rows.map((r) => r.row).join('\n');
}

describe('generateApiKeySecret', () => {
  it('makes br_live_ + 40 base62 characters, unique over 1,000 draws, using the whole alphabet', () => {
    const secrets = Array.from({ length: 1000 }, () => generateApiKeySecret());
    for (const { secret, displayPrefix } of secrets) {
      expect(secret).toMatch(SECRET_FORMAT);
      expect(displayPrefix).toBe(secret.slice(0, 12));
    }
    expect(new Set(secrets.map((s) => s.secret)).size).toBe(1000);
    // 40,000 random characters: every one of the 62 appears unless the draw is broken.
    const used = new Set(secrets.flatMap((s) => [...s.secret.slice(8)]));
    expect(used.size).toBe(62);
  });
});

describe('createApiKey', () => {
  it('returns the secret once and stores only its hash', async () => {
    const account = await createAccount(db);
    const { apiKey, secret } = await newKey(account.id);
    expect(secret).toMatch(SECRET_FORMAT);
    expect(apiKey).toMatchObject({
      accountId: account.id,
      name: 'Production',
      prefix: secret.slice(0, 12),
      createdBy: 'test:staff',
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(apiKey).not.toHaveProperty('keyHash');

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(row.keyHash).toBe(hashApiKey(secret));
    const stored = await storedText(apiKey.id);
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice(12));
  });

  it('refuses an unknown account and writes nothing', async () => {
    const before = await db.apiKey.count();
    for (const accountId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const result = await createApiKey(db, { accountId, name: 'x', createdBy: 'test:staff' });
      expect(result).toEqual({ ok: false, error: { code: 'account_not_found' } });
    }
    expect(await db.apiKey.count()).toBe(before);
  });
});

describe('authenticateApiKey', () => {
  it('resolves a key to its account', async () => {
    const account = await createAccount(db, { name: 'Acme Studios', credits: 100 });
    const { apiKey, secret } = await newKey(account.id);
    expect(await authenticateApiKey(db, secret)).toEqual({
      keyId: apiKey.id,
      keyPrefix: apiKey.prefix,
      accountId: account.id,
      accountName: 'Acme Studios',
    });
  });

  it('accepts keys stored by hash without the br_live_ format (the seeded demo-key)', async () => {
    const account = await createAccount(db);
    const presented = `legacy-${account.id}`;
    await db.apiKey.create({
      data: {
        accountId: account.id,
        name: 'Demo',
        prefix: 'legacy',
        keyHash: hashApiKey(presented),
      },
    });
    expect(await authenticateApiKey(db, presented)).toMatchObject({ accountId: account.id });
  });

  it('refuses a revoked key', async () => {
    const account = await createAccount(db);
    const { apiKey, secret } = await newKey(account.id);
    await revokeApiKey(db, { keyId: apiKey.id, revokedBy: 'test:staff' });
    expect(await authenticateApiKey(db, secret)).toBeNull();
  });

  it('refuses the keys of a suspended account, and accepts them again once it is active', async () => {
    const account = await createAccount(db);
    const { secret } = await newKey(account.id);
    await db.account.update({ where: { id: account.id }, data: { status: 'suspended' } });
    expect(await authenticateApiKey(db, secret)).toBeNull();
    await db.account.update({ where: { id: account.id }, data: { status: 'active' } });
    expect(await authenticateApiKey(db, secret)).toMatchObject({ accountId: account.id });
  });

  it('refuses unknown, empty and absurdly long input; the last two without a query', async () => {
    expect(await authenticateApiKey(db, generateApiKeySecret().secret)).toBeNull();
    expect(await authenticateApiKey(db, 'demo-key ')).toBeNull();
    // A client for a port where nothing listens: any query would throw.
    const unreachable = createPrismaClient('postgresql://nobody@127.0.0.1:1/nothing');
    try {
      expect(await authenticateApiKey(unreachable, '')).toBeNull();
      expect(await authenticateApiKey(unreachable, 'x'.repeat(201))).toBeNull();
      expect(await authenticateApiKey(unreachable, `br_live_${'A'.repeat(100_000)}`)).toBeNull();
    } finally {
      await unreachable.$disconnect();
    }
  });

  it('records last_used_at on first use and at most once a minute after that', async () => {
    const account = await createAccount(db);
    const { apiKey, secret } = await newKey(account.id);
    const lastUsed = async () =>
      (await db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } })).lastUsedAt;
    const t0 = new Date('2031-05-01T12:00:00.000Z');
    const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

    expect(await authenticateApiKey(db, secret, { now: t0 })).not.toBeNull();
    // The write is off the request's critical path, so it lands shortly after.
    await vi.waitFor(async () => expect(await lastUsed()).toEqual(t0));

    expect(await authenticateApiKey(db, secret, { now: at(30) })).not.toBeNull();
    expect(await authenticateApiKey(db, secret, { now: at(59) })).not.toBeNull();
    await new Promise((r) => setTimeout(r, 200));
    expect(await lastUsed()).toEqual(t0);

    expect(await authenticateApiKey(db, secret, { now: at(61) })).not.toBeNull();
    await vi.waitFor(async () => expect(await lastUsed()).toEqual(at(61)));
    expect((await listApiKeys(db, account.id))[0]?.lastUsedAt).toEqual(at(61));
  });

  it('reports a failed last_used_at write to onError instead of failing the request', async () => {
    const account = await createAccount(db);
    const { secret } = await newKey(account.id);
    const onError = vi.fn();
    // An invalid date cannot be written, which stands in for any database failure.
    const principal = await authenticateApiKey(db, secret, { now: new Date(Number.NaN), onError });
    expect(principal).toMatchObject({ accountId: account.id });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
  });
});

describe('revokeApiKey', () => {
  it('revokes once; a second revoke is already_revoked and writes no second audit row', async () => {
    const account = await createAccount(db);
    const { apiKey } = await newKey(account.id);
    const first = await revokeApiKey(db, {
      keyId: apiKey.id,
      accountId: account.id,
      revokedBy: 'test:staff',
    });
    expect(first.ok && first.value.revokedAt).toBeInstanceOf(Date);
    const again = await revokeApiKey(db, { keyId: apiKey.id, revokedBy: 'test:staff' });
    expect(again).toEqual({ ok: false, error: { code: 'already_revoked' } });
    const audits = await db.auditLog.count({
      where: { targetId: apiKey.id, action: 'api_key.revoked' },
    });
    expect(audits).toBe(1);
  });

  it("reports another account's key as not_found when scoped, and leaves it working", async () => {
    const owner = await createAccount(db);
    const other = await createAccount(db);
    const { apiKey, secret } = await newKey(owner.id);
    const result = await revokeApiKey(db, {
      keyId: apiKey.id,
      accountId: other.id,
      revokedBy: 'test:staff',
    });
    expect(result).toEqual({ ok: false, error: { code: 'not_found' } });
    expect(await authenticateApiKey(db, secret)).toMatchObject({ accountId: owner.id });
    for (const keyId of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      expect(await revokeApiKey(db, { keyId, revokedBy: 'test:staff' })).toEqual({
        ok: false,
        error: { code: 'not_found' },
      });
    }
  });
});

describe('audit log', () => {
  it('records create and revoke with the actor, before/after, and never the secret', async () => {
    const staff = await db.adminUser.create({
      data: {
        email: `admin-${Date.now()}@example.com`,
        displayName: 'Ada Admin',
        passwordHash: 'not used here',
        role: 'admin',
      },
    });
    const account = await createAccount(db);
    const created = await createApiKey(db, {
      accountId: account.id,
      name: 'Render farm',
      createdBy: 'admin:ada',
      actorUserId: staff.id,
    });
    if (!created.ok) throw new Error('create refused');
    const { apiKey, secret } = created.value;
    const revoked = await revokeApiKey(db, {
      keyId: apiKey.id,
      revokedBy: 'admin:ada',
      actorUserId: staff.id,
    });
    if (!revoked.ok) throw new Error('revoke refused');

    const rows = await db.auditLog.findMany({
      where: { targetType: 'api_key', targetId: apiKey.id },
      orderBy: { id: 'asc' },
    });
    const asJson = (v: ApiKeyView) => JSON.parse(JSON.stringify(v));
    expect(rows).toMatchObject([
      {
        action: 'api_key.created',
        actor: 'admin:ada',
        actorUserId: staff.id,
        before: null,
        after: asJson(apiKey),
      },
      {
        action: 'api_key.revoked',
        actor: 'admin:ada',
        actorUserId: staff.id,
        before: asJson(apiKey),
        after: asJson(revoked.value),
      },
    ]);
    expect(rows[1]?.after).toMatchObject({ revokedAt: revoked.value.revokedAt?.toISOString() });
    const text = JSON.stringify(rows.map((r) => [r.before, r.after]));
    expect(text).not.toContain(secret);
    expect(text).not.toContain(hashApiKey(secret));
  });
});

describe('listApiKeys', () => {
  it("lists one account's keys newest first, revoked ones included", async () => {
    const account = await createAccount(db);
    const other = await createAccount(db);
    await newKey(other.id);
    const keys = [];
    for (const [i, name] of ['first', 'second', 'third'].entries()) {
      const { apiKey } = await newKey(account.id, name);
      // Distinct creation times, so the order does not depend on the clock's resolution.
      await db.apiKey.update({
        where: { id: apiKey.id },
        data: { createdAt: new Date(Date.UTC(2030, 0, 1 + i)) },
      });
      keys.push(apiKey);
    }
    await revokeApiKey(db, { keyId: keys[1]?.id ?? '', revokedBy: 'test:staff' });
    const listed = await listApiKeys(db, account.id);
    expect(listed.map((k) => k.name)).toEqual(['third', 'second', 'first']);
    expect(listed[1]?.revokedAt).toBeInstanceOf(Date);
    expect(listed.every((k) => !('keyHash' in k))).toBe(true);
    expect(await listApiKeys(db, 'not-a-uuid')).toEqual([]);
  });
});

describe('operator CLI', () => {
  function runCli(args: string[]) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/api-keys.ts', ...args], {
        cwd: API_DIR,
        env: { ...process.env, DATABASE_URL: database.connectionString },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  }

  it('creates, lists and revokes keys as a real process, with exit codes 0, 1 and 2', async () => {
    const account = await createAccount(db, { name: `CLI Customer ${Date.now()}` });

    const created = await runCli(['create', '--account', account.name, '--name', 'Nightly export']);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    expect(created.stdout).toMatch(/cannot be shown again/);
    const secret = created.stdout.match(/br_live_[0-9A-Za-z]{40}/)?.[0] ?? '';
    const keyId = created.stdout.match(/key id: (\S+)/)?.[1] ?? '';
    const principal = await authenticateApiKey(db, secret);
    expect(principal).toEqual({
      keyId,
      keyPrefix: secret.slice(0, 12),
      accountId: account.id,
      accountName: account.name,
    });
    const audit = await db.auditLog.findFirstOrThrow({ where: { targetId: keyId } });
    expect(audit.actor).toMatch(/^cli:.+/);

    const listed = await runCli(['list', '--account', account.id]);
    expect(listed, listed.stderr).toMatchObject({ code: 0 });
    expect(listed.stdout).toMatch(/PREFIX\s+NAME\s+CREATED\s+LAST USED\s+REVOKED/);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).toContain(secret.slice(0, 12));
    expect(listed.stdout).toContain('Nightly export');
    expect(listed.stdout).not.toContain(secret);

    const revoked = await runCli(['revoke', keyId]);
    expect(revoked, revoked.stderr).toMatchObject({ code: 0 });
    expect(await authenticateApiKey(db, secret)).toBeNull();

    const again = await runCli(['revoke', keyId]);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toMatch(/already revoked/);

    const usage = await runCli(['create', '--account', account.id]);
    expect(usage).toMatchObject({ code: 2 });
    expect(usage.stderr).toMatch(/Usage:/);
  }, 120_000); // seven CLI processes, each compiling the CLI with tsx: ~8 s alone, far more on a busy machine

  it('refuses an unknown or ambiguous account instead of guessing', async () => {
    const name = `Twin ${Date.now()}`;
    await createAccount(db, { name });
    await createAccount(db, { name });
    const errors: string[] = [];
    const io = { out: () => {}, err: (line: string) => errors.push(line) };
    for (const account of [name, 'No Such Account']) {
      const parsed = parseApiKeysCommand(['create', '--account', account, '--name', 'x']);
      if (!parsed.ok || !('command' in parsed)) throw new Error('did not parse');
      expect(await runApiKeysCommand(db, parsed.command, io, 'cli:test')).toBe(1);
    }
    expect(errors.join('\n')).toMatch(/several accounts are named/);
    expect(errors.join('\n')).toMatch(/account not found: No Such Account/);
  });
});
