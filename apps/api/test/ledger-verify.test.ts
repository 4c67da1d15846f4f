// Audit-grade ledger verification: the database chains every ledger row to the previous one of
// its account; `pnpm ledger:verify` recomputes the chains and every docs/product.md §5 invariant. Here the
// real command runs against a real database, before and after someone edits the ledger behind
// the application's back (as the database owner, with the append-only guard switched off).
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { checkLedgerChain, genesisHash, ledgerRowHash } from '@batchreel/billing';
import { parse } from 'csv-parse/sync';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildStatement, signStatement } from '../src/ledger/statement';
import { SESSION_COOKIE } from '../src/staff/sessions';
import { startTestApp, type TestApp } from './helpers';
import { createStaff, sessionCookieFrom, trpcHttp } from './support/admin';

const API_DIR = resolve(import.meta.dirname, '..');

// Most tests run the CLI as a process that compiles it with tsx first: a few seconds alone, over
// 30 s on a loaded machine (seen in the full suite beside other work).
vi.setConfig({ testTimeout: 120_000 });

let t: TestApp;
let owner: pg.Client;
let accountId: string;

async function runVerify(...args: string[]) {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'src/cli/ledger-verify.ts', ...args],
      {
        cwd: API_DIR,
        env: { ...process.env, DATABASE_URL: t.database.connectionString, LOG_LEVEL: 'warn' },
      },
    );
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** As the database owner: one statement with the append-only guard off (what an attacker with DB access could do). */
async function behindTheAppsBack(sql: string, params: unknown[]) {
  await owner.query('BEGIN');
  await owner.query('ALTER TABLE credit_ledger DISABLE TRIGGER credit_ledger_append_only');
  await owner.query(sql, params);
  await owner.query('ALTER TABLE credit_ledger ENABLE TRIGGER credit_ledger_append_only');
  await owner.query('COMMIT');
}

const ledgerRowIdsIn = (violations: { ledgerRowId?: string }[]) => [
  ...new Set(violations.flatMap((v) => (v.ledgerRowId ? [v.ledgerRowId] : []))),
];

beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300 } });
  owner = new pg.Client({ connectionString: t.database.connectionString });
  await owner.connect();
  // The seed scenario: topup +5000, batch_upfront -200, batch_refund +10.
  const items = Array.from({ length: 20 }, (_, i) => ({
    prompt: i === 7 ? 'slow [sim:timeout]' : `scene ${i}`,
    model: 'sora-2',
  }));
  const response = await fetch(`${t.baseUrl}/api/enterprise/video-batch`, {
    method: 'POST',
    headers: { 'x-api-key': 'demo-key', 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
  });
  const { batch_id: batchId } = (await response.json()) as { batch_id: string };
  for (let i = 0; i < 300; i++) {
    const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: batchId } });
    if (batch.settledAt) {
      accountId = batch.accountId;
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(accountId).toBeDefined();
}, 60_000);

afterAll(async () => {
  await owner?.end();
  await t?.close();
});

const rowsOf = (account: string) =>
  t.db.creditLedger.findMany({ where: { accountId: account }, orderBy: { id: 'asc' } });

describe('ledger hash chain', () => {
  it('is written by the database exactly as packages/billing recomputes it', async () => {
    const rows = await rowsOf(accountId);
    expect(rows.map((r) => `${r.refType} ${r.creditsDelta}`)).toEqual([
      'topup 5000',
      'batch_upfront -200',
      'batch_refund 10',
    ]);
    expect(rows[0]?.prevHash).toBe(genesisHash(accountId));
    let prev = genesisHash(accountId);
    for (const row of rows) {
      expect(row.prevHash).toBe(prev);
      expect(row.rowHash).toBe(ledgerRowHash(prev, row));
      prev = row.rowHash ?? '';
    }
    expect(checkLedgerChain(accountId, rows)).toEqual([]);
  });

  it('orders concurrent entries of one account by the balance they applied to', async () => {
    // 30 top-ups at once: ids must follow the order in which the balance moved.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        t.db.creditLedger.create({
          data: {
            accountId,
            refType: 'topup',
            refId: crypto.randomUUID(),
            creditsDelta: i + 1,
            balanceAfter: 0,
            memo: 'concurrent',
            actor: 'test',
          },
        }),
      ),
    );
    const rows = await rowsOf(accountId);
    let balance = 0;
    for (const row of rows) {
      balance += row.creditsDelta;
      expect(row.balanceAfter).toBe(balance);
    }
    expect(checkLedgerChain(accountId, rows)).toEqual([]);
  });
});

describe('settlement statements', () => {
  let cookie: string;
  let batchId: string;
  const dir = mkdtempSync(join(tmpdir(), 'batchreel-statement-'));
  beforeAll(async () => {
    const finance = await createStaff(t.db, 'finance');
    const signIn = await trpcHttp(t.baseUrl, 'mutation', 'auth.signIn', {
      email: finance.user.email,
      password: finance.password,
    });
    cookie = sessionCookieFrom(signIn.setCookies)?.value ?? '';
    batchId = (await t.db.batchJob.findFirstOrThrow()).id;
  });
  const download = (path: string, withCookie = true) =>
    fetch(`${t.baseUrl}${path}`, {
      headers: withCookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {},
    });

  it('exports a signed JSON statement that checks offline, and refuses a changed one', async () => {
    const response = await download(`/admin/export/statements/${batchId}.json`);
    expect(response.status).toBe(200);
    const statement = (await response.json()) as Record<string, unknown> & {
      totals: Record<string, number>;
      rows: {
        type: string;
        credits_delta: number;
        batch_index: number | null;
        error_code: string | null;
      }[];
      chain_head: { row_hash: string };
    };
    // One sign convention: totals are positive amounts, the rows keep their signed deltas.
    expect(statement.totals).toEqual({
      upfront_credits: 200,
      refunded_credits: 10,
      net_spent_credits: 190,
      credits_spent: 190,
      pending_credits: 0,
    });
    expect(
      statement.rows.map((r) => [r.type, r.credits_delta, r.batch_index, r.error_code]),
    ).toEqual([
      ['batch_upfront', -200, null, null],
      ['batch_refund', 10, 7, 'timeout'],
    ]);
    const head = await t.db.creditLedger.findFirstOrThrow({
      where: { accountId },
      orderBy: { id: 'desc' },
    });
    expect(statement.chain_head.row_hash).toBe(head.rowHash);

    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, await (await download('/admin/export/statement-public-key.pem')).text());
    const good = join(dir, 'statement.json');
    writeFileSync(good, JSON.stringify(statement));
    const ok = await runVerify('--statement', good, '--public-key', keyFile);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'upfront 200, refunds 10 (1 task), net spent 190, credits spent 190',
    );

    const forged = join(dir, 'forged.json');
    writeFileSync(
      forged,
      JSON.stringify({ ...statement, totals: { ...statement.totals, refunded_credits: 100 } }),
    );
    const bad = await runVerify('--statement', forged, '--public-key', keyFile);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAILED: the signature does not match/);
  });

  it('refuses a correctly signed statement whose totals are signed numbers or do not add up', async () => {
    // Signed with a key of the test's own: only the figures are wrong, not the signature.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyFile = join(dir, 'own-key.pem');
    writeFileSync(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const statement = await buildStatement(t.db, batchId);
    if (!statement) throw new Error('no statement');
    const check = async (totals: Record<string, number>) => {
      const file = join(dir, 'own-statement.json');
      const signed = signStatement(
        { ...statement, totals: { ...statement.totals, ...totals } },
        privateKey,
      );
      writeFileSync(file, JSON.stringify(signed));
      return runVerify('--statement', file, '--public-key', keyFile);
    };
    expect((await check({})).code).toBe(0);
    const negative = await check({ upfront_credits: -200, net_spent_credits: -190 });
    expect(negative.code).toBe(1);
    expect(negative.stdout).toContain('upfront_credits is not a positive amount');
    const wrongNet = await check({ net_spent_credits: 200 });
    expect(wrongNet.code).toBe(1);
    expect(wrongNet.stdout).toContain('net ≠ upfront − refunds');
    const wrongSpent = await check({ credits_spent: 180 });
    expect(wrongSpent.stdout).toContain('upfront ≠ spent + refunded + still frozen');
  });

  it('exports the CSV with a detached signature; support and strangers get nothing', async () => {
    const response = await download(`/admin/export/statements/${batchId}.csv`);
    expect(response.status).toBe(200);
    const csv = await response.text();
    expect(csv.split('\n')[0]).toBe(
      'type,ledger_row_id,task_id,batch_index,error_code,credits_delta,balance_after,created_at,row_hash,total_credits',
    );
    // The same convention as the JSON and the admin: the ledger rows' credits_delta signed as
    // stored (so the column sums to the batch's effect on the balance), the totals positive
    // amounts under the JSON's names, in their own column.
    const lines = parse(csv, { columns: true }) as Record<string, string>[];
    expect(lines.map((l) => [l.type, l.credits_delta, l.total_credits])).toEqual([
      ['batch_upfront', '-200', ''],
      ['batch_refund', '10', ''],
      ['upfront_credits', '', '200'],
      ['refunded_credits', '', '10'],
      ['net_spent_credits', '', '190'],
      ['credits_spent', '', '190'],
      ['pending_credits', '', '0'],
      ['chain_head', '', ''],
    ]);
    const signature = response.headers.get('x-batchreel-signature') ?? '';
    const keyFile = join(dir, 'key.pem');
    const file = join(dir, 'statement.csv');
    writeFileSync(file, csv);
    const ok = await runVerify('--csv', file, '--signature', signature, '--public-key', keyFile);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(
      'upfront 200, refunds 10 (1 task), net spent 190, credits spent 190',
    );
    writeFileSync(
      file,
      csv.replace('net_spent_credits,,,,,,,,,190', 'net_spent_credits,,,,,,,,,19'),
    );
    expect(
      (await runVerify('--csv', file, '--signature', signature, '--public-key', keyFile)).code,
    ).toBe(1);

    expect((await download(`/admin/export/statements/${batchId}.csv`, false)).status).toBe(401);
    const support = await createStaff(t.db, 'support');
    const supportSignIn = await trpcHttp(t.baseUrl, 'mutation', 'auth.signIn', {
      email: support.user.email,
      password: support.password,
    });
    const supportCookie = sessionCookieFrom(supportSignIn.setCookies)?.value ?? '';
    const refused = await fetch(`${t.baseUrl}/admin/export/statements/${batchId}.json`, {
      headers: { cookie: `${SESSION_COOKIE}=${supportCookie}` },
    });
    expect(refused.status).toBe(403);
    expect((await download(`/admin/export/statements/${crypto.randomUUID()}.json`)).status).toBe(
      404,
    );
  });
});

describe('pnpm ledger:verify', () => {
  it('reports zero violations on an untouched database (exit 0)', async () => {
    const result = await runVerify();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /OK: every hash chain and every money invariant holds \(0 violations\)/,
    );
    expect(result.stdout).toMatch(/Checked 1 accounts, 33 ledger rows and 1 started batches/);
    // What was checked, with counts: the seed's 3 rows and the 30 concurrent top-ups.
    for (const line of [
      'ok  33 ledger rows hash-chained, each to the previous row of its account',
      'ok  1 account balance = Σ ledger, never below 0',
      'ok  1 batch taken from the queue: one upfront of -required credits each',
      'ok  1 refund: one per failed or canceled task, at its price',
      'ok  1 settled batch: frozen = spent + refunded',
      'ok  0 waiting batches: no frozen credits held',
    ]) {
      expect(result.stdout).toContain(line);
    }
  });

  it('reports exactly the row whose date was changed: only the hash can tell', async () => {
    const [topup] = await rowsOf(accountId);
    if (!topup) throw new Error('no rows');
    await behindTheAppsBack(
      `UPDATE credit_ledger SET created_at = created_at - interval '30 days' WHERE id = $1`,
      [topup.id],
    );
    const result = await runVerify('--json');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      checks: { key: string; checked: number; violations: number }[];
      violations: { code: string; ledgerRowId?: string }[];
    };
    expect(report.violations).toEqual([
      expect.objectContaining({ code: 'ledger_hash_mismatch', ledgerRowId: topup.id.toString() }),
    ]);
    // Counted against the check it broke; the others still hold.
    expect(report.checks).toEqual([
      { key: 'chains', checked: 33, violations: 1 },
      { key: 'balances', checked: 1, violations: 0 },
      { key: 'upfronts', checked: 1, violations: 0 },
      { key: 'refunds', checked: 1, violations: 0 },
      { key: 'settlements', checked: 1, violations: 0 },
      { key: 'reservations', checked: 0, violations: 0 },
    ]);
    // Put it back (so the next case starts clean) and check that it is clean again.
    await behindTheAppsBack('UPDATE credit_ledger SET created_at = $2 WHERE id = $1', [
      topup.id,
      topup.createdAt,
    ]);
    expect((await runVerify()).code).toBe(0);
  });

  it('names exactly the edited refund row when an amount is changed, in a readable report', async () => {
    const refund = (await rowsOf(accountId)).find((r) => r.refType === 'batch_refund');
    if (!refund) throw new Error('no refund');
    await behindTheAppsBack('UPDATE credit_ledger SET credits_delta = 50 WHERE id = $1', [
      refund.id,
    ]);
    const json = await runVerify('--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as {
      violations: { code: string; ledgerRowId?: string }[];
    };
    expect(ledgerRowIdsIn(report.violations)).toEqual([refund.id.toString()]);
    expect(report.violations.map((v) => v.code)).toEqual(
      expect.arrayContaining([
        'ledger_hash_mismatch',
        'balance_after_mismatch',
        'balance_mismatch',
      ]),
    );
    const text = await runVerify();
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAILED: \d+ violation\(s\)/);
    expect(text.stdout).toContain(`ledger row ${refund.id}`);
    expect(text.stdout).toContain('no longer matches its hash');
  });

  it('sees a deleted row as a broken link at the row after it', async () => {
    const rows = await rowsOf(accountId);
    const victim = rows[5];
    const next = rows[6];
    if (!victim || !next) throw new Error('not enough rows');
    await owner.query('BEGIN');
    await owner.query('ALTER TABLE credit_ledger DISABLE TRIGGER credit_ledger_append_only');
    await owner.query('DELETE FROM credit_ledger WHERE id = $1', [victim.id]);
    await owner.query('ALTER TABLE credit_ledger ENABLE TRIGGER credit_ledger_append_only');
    await owner.query('COMMIT');
    const report = JSON.parse((await runVerify('--json')).stdout) as {
      violations: { code: string; ledgerRowId?: string }[];
    };
    expect(report.violations).toContainEqual(
      expect.objectContaining({ code: 'ledger_chain_broken', ledgerRowId: next.id.toString() }),
    );
  });
});
