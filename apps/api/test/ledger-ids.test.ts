// An auditor reads a gap in an append-only ledger as a deleted row. Across a seeded system
// running real batches on the real worker (freezes, refunds of timeouts, content refusals,
// provider errors, a cancel, a top-up between them), the ledger's ids are 1, 2, 3, … with no
// number skipped, and `pnpm ledger:verify`'s checks find nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkIntegrity } from '../src/ledger/integrity';
import { startTestApp, type TestApp } from './helpers';
import { clientOf, submitBatch } from './support/scenarios';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 20, taskTimeoutMs: 300, retryBaseMs: 50 } });
});
afterAll(() => t?.close());

/** Submits the prompts; resolves with the batch's id. */
const admit = async (prompts: string[]) => (await submitBatch(t, prompts)).batch_id;

async function waitUntilSettled(batchIds: string[]) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const open = await t.db.batchJob.count({ where: { id: { in: batchIds }, settledAt: null } });
    if (open === 0) return;
    if (Date.now() > deadline) throw new Error(`${open} batches did not settle`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const scenes = (count: number, special: Record<number, string> = {}) =>
  Array.from({ length: count }, (_, i) => special[i] ?? `Harbour at dusk #${i}`);

describe('ledger ids', () => {
  it('are consecutive across a seeded run with refunds', async () => {
    // The seed scenario of docs/product.md §5.7: 20 videos, one times out.
    const seedBatch = await admit(scenes(20, { 7: 'A slow scene [sim:timeout]' }));
    // More batches at once, so freezes and refunds of different batches interleave.
    const others = await Promise.all([
      admit(scenes(12, { 0: 'No [sim:content_policy]', 5: 'No [sim:content_policy]' })),
      admit(scenes(8, { 2: 'Gateway [sim:provider_error]', 3: 'Retry me [sim:flaky]' })),
      admit(scenes(15, { 1: 'Slow [sim:timeout]', 9: 'Slow [sim:timeout]' })),
    ]);
    // A batch canceled before it runs out: its waiting tasks are refunded at once.
    const canceled = await admit(scenes(30));
    await (await clientOf(t)).cancelBatch(canceled);
    await waitUntilSettled([seedBatch, ...others, canceled]);
    // A top-up after it all, through the admin's own write path.
    const demo = await t.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
    await t.db.creditLedger.create({
      data: {
        accountId: demo.id,
        refType: 'topup',
        refId: crypto.randomUUID(),
        creditsDelta: 500,
        balanceAfter: 0,
        memo: 'More credits',
        actor: 'test',
      },
    });

    const rows = await t.db.creditLedger.findMany({ orderBy: { id: 'asc' } });
    const kinds = new Set(rows.map((r) => r.refType));
    expect(kinds).toEqual(new Set(['topup', 'batch_upfront', 'batch_refund']));
    // 1 seed top-up, ≥ 4 upfronts (the canceled batch may be canceled before its freeze),
    // 1 + 2 + 1 + 2 refunds of failures at least, and the final top-up.
    expect(rows.filter((r) => r.refType === 'batch_refund').length).toBeGreaterThanOrEqual(6);
    expect(rows.map((r) => Number(r.id))).toEqual(rows.map((_, i) => i + 1));

    const seedRows = rows.filter((r) => r.refId === seedBatch);
    expect(seedRows.map((r) => [r.refType, r.creditsDelta])).toEqual([
      ['batch_upfront', -200],
      ['batch_refund', 10],
    ]);
    const report = await checkIntegrity(t.db);
    expect(report.violations).toEqual([]);
    expect(report.ledgerRows).toBe(rows.length);
  });
});
