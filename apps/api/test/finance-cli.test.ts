// The CLI's finance reads (issue 17): `batchreel budgets` and `batchreel statement 2026-11`, the
// real binary run as a customer would, against a real server.
import { spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { accountWithKey, financeCaller } from './support/finance';
import { clientOf, itemsOf, prompts } from './support/scenarios';

const BIN = resolve(import.meta.dirname, '../../../packages/client/bin/batchreel.mjs');

let t: TestApp;
let secret: string;
beforeAll(async () => {
  t = await startTestApp();
  const created = await accountWithKey(t.db, 5000, 'Acme Films');
  secret = created.secret;
  const { finance } = await financeCaller(t);
  await finance.finance.saveBudget({
    accountId: created.account.id,
    scope: 'api_key',
    apiKeyId: created.apiKeyId,
    capCredits: 100,
    thresholdPercents: [50, 90],
  });
  await (await clientOf(t, { apiKey: secret })).createBatch({ items: itemsOf(prompts(6, 'CLI')) });
});
afterAll(async () => t?.close());

function cli(
  args: string[],
  cwd?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      ...(cwd ? { cwd } : {}),
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        BATCHREEL_API_URL: t.baseUrl,
        BATCHREEL_API_KEY: secret,
        NO_COLOR: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end();
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

const month = new Date().toISOString().slice(0, 7);

describe('batchreel budgets and statement', () => {
  it('batchreel budgets: the cap, what is used and left, the thresholds that fired', async () => {
    const result = await cli(['budgets']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Budgets for ${month} (UTC)`);
    const row = result.stdout.split('\n').find((line) => line.startsWith('key '));
    expect(row).toMatch(/^key [0-9a-f]{8}\s+all models\s+hard\s+100\s+60\s+40\s+60%\s+50! 90$/);
    const json = JSON.parse((await cli(['budgets', '--json'])).stdout);
    expect(json.data[0]).toMatchObject({ used_credits: 60, fired_thresholds: [50] });
  }, 60_000);

  it(`batchreel statement ${month}: the figures, the JSON to a file, the PDF with its signature`, async () => {
    const shown = await cli(['statement', month]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Statement ${month} · Acme Films · UTC · provisional`);
    expect(shown.stdout).toMatch(/Opening balance\s+0/);
    expect(shown.stdout).toMatch(/Top-ups\s+5,000/);
    expect(shown.stdout).toMatch(/Closing balance\s+5,000/);

    const dir = await mkdtemp(join(tmpdir(), 'cli-statement-'));
    const saved = await cli(['statement', month, '--out', 'statement.json'], dir);
    expect(saved.code).toBe(0);
    const statement = JSON.parse(await readFile(join(dir, 'statement.json'), 'utf8'));
    expect(statement).toMatchObject({ month, closing_balance: 5000, statement_type: 'monthly' });

    const pdf = await cli(
      ['statement', month, '--format', 'pdf', '--lang', 'zh-CN', '--out', 's.pdf'],
      dir,
    );
    expect(pdf.code).toBe(0);
    const bytes = await readFile(join(dir, 's.pdf'));
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const key = createPublicKey(
      (await (await clientOf(t, { apiKey: secret })).statementPublicKey()).public_key_pem,
    );
    const signature = (await readFile(join(dir, 's.pdf.sig'), 'utf8')).trim();
    expect(verify(null, bytes, key, Buffer.from(signature, 'base64'))).toBe(true);

    const bad = await cli(['statement', '2026-13']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('The month must be YYYY-MM');
    const future = await cli(['statement', '2999-01']);
    expect(future.code).toBe(7);
  }, 60_000);
});
