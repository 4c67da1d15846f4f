// `pnpm demo` as CI runs it: no system answering, so the demo starts its own (embedded PostgreSQL
// in a temporary directory), walks the whole story, and must exit 0 having printed every docs/product.md §5.7
// figure.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '@batchreel/db';
import { expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '../../..');

it('pnpm demo walks the sales story green and prints every figure', async () => {
  const port = await freePort(); // nothing listens there: the demo starts a system itself
  const child = spawn('pnpm', ['--silent', 'demo'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      BATCHREEL_API_URL: `http://127.0.0.1:${port}`,
      NO_COLOR: '1',
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((done) => child.on('exit', done));
  // On a failure, what the demo printed last says which step went wrong (its ✗ line is on
  // stdout; a system that would not start is on stderr).
  expect(
    code,
    `pnpm demo exited ${code}\n--- stdout\n${stdout.slice(-3000)}\n--- stderr\n${stderr.slice(-3000)}`,
  ).toBe(0);

  // The quote before work, the replay, the refusal.
  expect(stdout).toContain('> POST /api/enterprise/video-batch');
  expect(stdout).toContain('cost_per_video: 10');
  expect(stdout).toContain('required_credits: 200');
  expect(stdout).toContain('Idempotent-Replayed: true');
  expect(stdout).toMatch(/< 402/);
  expect(stdout).toContain('error.code: insufficient_credits');
  expect(stdout).toContain('balance unchanged');
  // Followed to settlement, then the money.
  expect(stdout).toMatch(/20\/20 finished, 19 ok, 1 failed, frozen 200/);
  for (const figure of [
    'success_count: 19',
    'failed_count: 1',
    'frozen_credits: 200',
    'credits_spent: 190',
    'refunded_credits: 10',
    'settlement_status: refunded',
    'the failed task: #7 timeout',
    'error_message: timeout',
    'balance 5000 → 4810: 190',
  ]) {
    expect(stdout).toContain(figure);
  }
  expect(stdout).toMatch(/batch_upfront\s+-200/);
  expect(stdout).toMatch(/batch_refund\s+\+10/);
  // The webhook, verified; the admin link.
  expect(stdout).toContain('signature verified with the account secret');
  expect(stdout).toContain('webhook credits_spent / refunded_credits: 190 / 10');
  expect(stdout).toMatch(/\/admin\/batches\/[0-9a-f-]{36}/);
  expect(stdout).not.toContain('✗');
  expect(stdout).toContain('✓ Every step showed what it should.');
}, 180_000);
