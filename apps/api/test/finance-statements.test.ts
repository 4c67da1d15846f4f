// Monthly statements (issue 17): three past months of generated activity (top-ups, batches with
// refunds, adjustments, a batch canceled before it started, a batch across a month boundary, a
// row that is in another month in UTC than in the account's time zone) and this month's real
// activity through the API and the worker. For every month: opening + movements = closing,
// closing = the ledger balance at that instant = the next month's opening; the JSON signature
// verifies offline with `pnpm ledger:verify`; the CSV and PDF are signed and show the same
// figures (the PDF read back as text, Chinese included).
import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { MonthlyStatement } from '@batchreel/client';
import { parse as parseCsv } from 'csv-parse/sync';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monthlyArithmetic } from '../src/finance/monthly-statement';
import { startTestApp, type TestApp } from './helpers';
import { accountWithKey, financeCaller } from './support/finance';
import { LedgerHistory } from './support/finance-history';
import { clientOf, itemsOf, refusal, type TestClient, waitUntilSettled } from './support/scenarios';

const ZONE = 'Asia/Shanghai'; // UTC+8 all year
const ACCOUNT_NAME = '星河影业 Galaxy Pictures';

/** The month `back` months before the current one in Shanghai, `YYYY-MM`. */
function monthsAgo(back: number): string {
  const now = new Date(Date.now() + 8 * 3600_000);
  const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  return date.toISOString().slice(0, 7);
}

/** A wall-clock time in Shanghai on a day of `month` (day 0 = the last day of the month before). */
function local(month: string, day: number, hour: number, minute = 0): Date {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, m - 1, day, hour - 8, minute));
}

const API_DIR = resolve(import.meta.dirname, '..');

let t: TestApp;
let api: TestClient;
let accountId: string;
const [M1, M2, M3, NOW] = [monthsAgo(3), monthsAgo(2), monthsAgo(1), monthsAgo(0)];
const statements = new Map<string, MonthlyStatement>();
let boundaryBatch: string;
let canceledBatch: string;

beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 20 } });
  const { account, secret } = await accountWithKey(t.db, 0, ACCOUNT_NAME);
  accountId = account.id;
  const { finance } = await financeCaller(t);
  await finance.finance.setAlertSettings({
    accountId,
    timeZone: ZONE,
    webhookUrl: null,
    lowBalanceCredits: null,
  });
  // The account (and its key) existed before the history begins.
  const history = new LedgerHistory(t.db, accountId);
  // M1
  await history.topUp(local(M1, 1, 9), 5000);
  await history.batch(
    { admittedAt: local(M1, 3, 10), frozenAt: local(M1, 3, 10, 1), endedAt: local(M1, 3, 10, 5) },
    ['succeeded', 'succeeded', 'succeeded', 'failed'],
  );
  await history.adjust(local(M1, 10, 12), -100);
  canceledBatch = (await history.canceledBeforeStart(local(M1, 12, 8), local(M1, 12, 8, 2)))
    .batchId;
  await history.batch(
    {
      admittedAt: local(M1, 20, 15),
      frozenAt: local(M1, 20, 15, 1),
      endedAt: local(M1, 20, 15, 9),
    },
    ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded'],
  );
  // M2: its first top-up is at 02:00 in Shanghai, still the last day of M1 in UTC.
  await history.topUp(local(M2, 1, 2), 1000);
  await history.batch(
    { admittedAt: local(M2, 5, 11), frozenAt: local(M2, 5, 11, 1), endedAt: local(M2, 5, 11, 4) },
    ['failed', 'failed'],
  );
  await history.adjust(local(M2, 15, 16), 30, 'Goodwill credit');
  // Frozen ten minutes before M2 ends, refunded ten minutes into M3.
  boundaryBatch = (
    await history.batch(
      {
        admittedAt: local(M3, 0, 23, 50),
        frozenAt: local(M3, 0, 23, 55),
        endedAt: local(M3, 1, 0, 10),
      },
      ['succeeded', 'failed', 'failed'],
    )
  ).batchId;
  // M3
  await history.batch(
    { admittedAt: local(M3, 7, 9), frozenAt: local(M3, 7, 9, 1), endedAt: local(M3, 7, 9, 3) },
    ['succeeded', 'succeeded'],
  );
  await history.adjust(local(M3, 8, 10), -50);
  await history.topUp(local(M3, 9, 10), 200);

  // This month, for real: a top-up by finance, a batch through the API with one refused video.
  await finance.accounts.topUp({ accountId, credits: 100, reason: 'Monthly top-up' });
  api = await clientOf(t, { apiKey: secret });
  const { batch } = await api.createBatch({
    items: itemsOf(['A harbour at night', 'A tram in the rain', 'Blocked [sim:content_policy]']),
  });
  await waitUntilSettled(t, batch.batch_id, { apiKey: secret });

  for (const month of [M1, M2, M3, NOW]) statements.set(month, await api.statement(month));
});
afterAll(async () => t?.close());

const statementOf = (month: string) => statements.get(month) as MonthlyStatement;

/** Σ credits_delta of every ledger row stamped before `instant`: the balance then. */
async function ledgerBalanceAt(instant: string) {
  const [row] = await t.db.$queryRaw<{ balance: number; head: bigint | null }[]>`
    SELECT COALESCE(SUM(credits_delta), 0)::int AS balance, max(id) AS head FROM credit_ledger
     WHERE account_id = ${accountId}::uuid AND created_at < ${new Date(instant)}`;
  return row as { balance: number; head: bigint | null };
}

describe('monthly statements over three months and this one', () => {
  it('add up: opening + movements = closing, with the figures the activity implies', () => {
    const expected = {
      [M1]: {
        opening: 0,
        topup: 5000,
        upfront: 90,
        refunded: 10,
        added: 0,
        removed: 100,
        closing: 4820,
      },
      [M2]: {
        opening: 4820,
        topup: 1000,
        upfront: 50,
        refunded: 20,
        added: 30,
        removed: 0,
        closing: 5820,
      },
      [M3]: {
        opening: 5820,
        topup: 200,
        upfront: 20,
        refunded: 20,
        added: 0,
        removed: 50,
        closing: 5970,
      },
      [NOW]: {
        opening: 5970,
        topup: 100,
        upfront: 30,
        refunded: 10,
        added: 0,
        removed: 0,
        closing: 6050,
      },
    };
    for (const [month, figures] of Object.entries(expected)) {
      const s = statementOf(month);
      expect(monthlyArithmetic(s), month).toEqual([]);
      expect(
        {
          opening: s.opening_balance,
          topup: s.totals.topup_credits,
          upfront: s.totals.upfront_credits,
          refunded: s.totals.refunded_credits,
          added: s.totals.adjustment_added_credits,
          removed: s.totals.adjustment_removed_credits,
          closing: s.closing_balance,
        },
        month,
      ).toEqual(figures);
      expect(s).toMatchObject({
        account_id: accountId,
        account_name: ACCOUNT_NAME,
        time_zone: ZONE,
      });
    }
  });

  it('chain: each closing is the next opening and the ledger balance at month end', async () => {
    const months = [M1, M2, M3, NOW];
    for (const [i, month] of months.entries()) {
      const s = statementOf(month);
      const atEnd = await ledgerBalanceAt(s.period_end);
      expect(s.closing_balance, month).toBe(atEnd.balance);
      expect(s.chain_head?.ledger_row_id, month).toBe(atEnd.head?.toString());
      expect(s.chain_head?.balance_after, month).toBe(atEnd.balance);
      const next = months[i + 1];
      if (next) {
        const following = statementOf(next);
        expect(following.opening_balance).toBe(s.closing_balance);
        expect(following.opening_chain_head).toEqual(s.chain_head);
        expect(following.period_start).toBe(s.period_end);
      }
    }
    // This month's closing is the balance now, and the month is not final yet.
    expect(statementOf(NOW).closing_balance).toBe((await api.balance()).balance);
    expect(months.map((m) => statementOf(m).final)).toEqual([true, true, true, false]);
    expect(statementOf(M2).period_start).toBe(local(M2, 1, 0).toISOString());
  });

  it('lists the batches: the month boundary splits one batch’s money, a canceled batch shows 0', () => {
    const batchOf = (month: string, id: string) =>
      statementOf(month).batches.find((b) => b.batch_id === id);
    expect(batchOf(M2, boundaryBatch)).toMatchObject({ upfront_credits: 30, refunded_credits: 0 });
    expect(batchOf(M3, boundaryBatch)).toMatchObject({
      upfront_credits: 0,
      refunded_credits: 20,
      refunded_tasks: 2,
      settlement_status: 'refunded',
    });
    expect(batchOf(M1, canceledBatch)).toMatchObject({
      status: 'canceled',
      upfront_credits: 0,
      refunded_credits: 0,
    });
    expect(statementOf(M1).batches).toHaveLength(3);
    expect(statementOf(M1).entries.map((e) => [e.type, e.credits_delta])).toEqual([
      ['topup', 5000],
      ['adjustment', -100],
    ]);
    // The top-up at 02:00 Shanghai on the 1st is in M2, though UTC still said M1.
    expect(statementOf(M2).entries[0]).toMatchObject({ type: 'topup', credits_delta: 1000 });
  });

  it('lists every month from the first ledger row, newest first', async () => {
    const list = await api.statements();
    expect(list.time_zone).toBe(ZONE);
    expect(list.data.map((m) => m.month)).toEqual([NOW, M3, M2, M1]);
  });

  it('the JSON statement verifies offline with pnpm ledger:verify; a changed figure does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'statement-'));
    const key = await api.statementPublicKey();
    expect(key.key_id).toBe(statementOf(M2).signature.key_id);
    await writeFile(join(dir, 'key.pem'), key.public_key_pem);
    await writeFile(join(dir, 'good.json'), JSON.stringify(statementOf(M2), null, 2));
    await writeFile(
      join(dir, 'forged.json'),
      JSON.stringify({ ...statementOf(M2), closing_balance: statementOf(M2).closing_balance + 1 }),
    );
    const run = async (file: string) => {
      try {
        const { stdout } = await promisify(execFile)(
          process.execPath,
          [
            '--import',
            'tsx',
            'src/cli/ledger-verify.ts',
            '--statement',
            join(dir, file),
            '--public-key',
            join(dir, 'key.pem'),
          ],
          { cwd: API_DIR, env: { ...process.env, LOG_LEVEL: 'warn' } },
        );
        return { code: 0, stdout };
      } catch (error) {
        const e = error as { code: number; stdout: string };
        return { code: e.code, stdout: e.stdout };
      }
    };
    const good = await run('good.json');
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`OK: statement of ${M2} (${ZONE})`);
    expect(good.stdout).toContain('opening 4820 + top-ups 1000 − upfront 50 + refunds 20');
    const forged = await run('forged.json');
    expect(forged.code).toBe(1);
    expect(forged.stdout).toContain('the signature does not match');
  }, 60_000);

  it('the CSV is signed and carries the same figures', async () => {
    const key = createPublicKey((await api.statementPublicKey()).public_key_pem);
    const file = await api.statementFile(M2, 'csv');
    expect(file.contentType).toMatch(/^text\/csv/);
    expect(verify(null, file.bytes, key, Buffer.from(file.signature, 'base64'))).toBe(true);
    const rows = parseCsv(Buffer.from(file.bytes), { columns: true }) as Record<string, string>[];
    const summary = Object.fromEntries(
      rows.filter((r) => r.line === 'summary').map((r) => [r.name, Number(r.amount_credits)]),
    );
    expect(summary).toEqual({
      opening_balance: 4820,
      topup_credits: 1000,
      upfront_credits: 50,
      refunded_credits: 20,
      adjustment_added_credits: 30,
      adjustment_removed_credits: 0,
      closing_balance: 5820,
    });
    expect(rows.filter((r) => r.line === 'batch').map((r) => r.batch_id)).toContain(boundaryBatch);
    expect(rows.find((r) => r.name === 'chain_head')?.row_hash).toBe(
      statementOf(M2).chain_head?.row_hash,
    );
  });

  it('the PDF opens, is signed, and shows the same figures in Chinese and in English', async () => {
    const key = createPublicKey((await api.statementPublicKey()).public_key_pem);
    const textOf = async (lang: 'en' | 'zh-CN') => {
      const file = await api.statementFile(M2, 'pdf', { lang });
      expect(file.contentType).toBe('application/pdf');
      expect(Buffer.from(file.bytes.subarray(0, 5)).toString()).toBe('%PDF-');
      expect(verify(null, file.bytes, key, Buffer.from(file.signature, 'base64'))).toBe(true);
      const pdf = await getDocumentProxy(new Uint8Array(file.bytes));
      return (await extractText(pdf, { mergePages: true })).text as string;
    };
    const zh = await textOf('zh-CN');
    for (const expected of [
      '月度对账单',
      ACCOUNT_NAME,
      '期初余额',
      '4,820',
      '充值',
      '1,000',
      '期末余额',
      '5,820',
      boundaryBatch,
      statementOf(M2).chain_head?.row_hash ?? '?',
    ]) {
      expect(zh).toContain(expected);
    }
    const en = await textOf('en');
    for (const expected of [
      'Monthly statement',
      'Opening balance',
      'Closing balance',
      '5,820',
      ZONE,
    ]) {
      expect(en).toContain(expected);
    }
  }, 60_000);

  it('refuses bad months with a clear 4xx; another account sees only its own statement', async () => {
    let error = await refusal(api.statement('2026-13'));
    expect([error.status, error.code, error.details[0]?.path]).toEqual([
      422,
      'invalid_request',
      'path.month',
    ]);
    error = await refusal(api.statement('2999-01'));
    expect([error.status, error.code]).toEqual([404, 'not_found']);
    error = await refusal(api.budgets({ month: 'last' }));
    expect([error.status, error.code, error.details[0]?.path]).toEqual([
      422,
      'invalid_request',
      'query.month',
    ]);
    const other = await accountWithKey(t.db, 70, 'Other Co');
    const otherApi = await clientOf(t, { apiKey: other.secret });
    const theirs = await otherApi.statement(NOW);
    expect(theirs).toMatchObject({
      account_id: other.account.id,
      closing_balance: 70,
      batches: [],
    });
  });
});
