// Retention (issue 18): an account's stored videos are deleted by the scheduled sweep once its
// retention period has passed; reads then say `expired`, with when; the stable URL answers 410.
// The ledger is untouched: its rows and hash chain are the same before and after, and every
// money invariant (`pnpm ledger:verify`'s checks) still holds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, jobs } from '../src/jobs/definitions';
import { checkIntegrity } from '../src/ledger/integrity';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError } from './support/admin';
import { clientOf, DEMO_KEY, prompts, submitBatch, waitUntilSettled } from './support/scenarios';

let t: TestApp;
let accountId: string;

beforeAll(async () => {
  t = await startTestApp({ worker: { latencyMs: 10, taskTimeoutMs: 300, retryBaseMs: 50 } });
  accountId = (await t.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } })).id;
});
afterAll(async () => {
  await t?.close();
});

const ledgerSnapshot = () =>
  t.db.creditLedger
    .findMany({ orderBy: { id: 'asc' } })
    .then((rows) => rows.map((r) => ({ ...r, id: r.id.toString() })));

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string) {
  const until = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('retention', () => {
  it('admins set it per account (audited); support may read the usage but not change it', async () => {
    const admin = await createStaff(t.db, 'admin');
    const support = await createStaff(t.db, 'support');
    const before = await callerFor(t, support.user).storage.accountStorage({ accountId });
    expect(before).toMatchObject({
      retentionSeconds: 30 * 86_400,
      storedVideos: 0,
      storedBytes: 0,
    });
    await expectTrpcError(
      callerFor(t, support.user).storage.setRetention({ accountId, retentionSeconds: 86_400 }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      callerFor(t, admin.user).storage.setRetention({ accountId, retentionSeconds: 0 }),
      'BAD_REQUEST',
    );
    await callerFor(t, admin.user).storage.setRetention({
      accountId,
      retentionSeconds: 7 * 86_400,
    });
    const row = await t.db.auditLog.findFirstOrThrow({
      where: { action: 'account.retention_set', targetId: accountId },
    });
    expect(row).toMatchObject({
      actorUserId: admin.user.id,
      before: { retentionSeconds: 30 * 86_400 },
      after: { retentionSeconds: 7 * 86_400 },
    });
  });

  it('with a 1-second retention the sweep deletes the videos; reads say expired; the ledger is untouched', async () => {
    const admin = await createStaff(t.db, 'admin');
    const { batch_id: batchId } = await submitBatch(t, [
      ...prompts(4),
      'refused [sim:content_policy]',
    ]);
    await waitUntilSettled(t, batchId);
    const api = await clientOf(t);
    const stored = (await api.listTasks(batchId, { status: 'succeeded' })).data;
    expect(stored.map((task) => task.video_status)).toEqual([
      'stored',
      'stored',
      'stored',
      'stored',
    ]);
    const usage = await callerFor(t, admin.user).storage.accountStorage({ accountId });
    expect(usage.storedVideos).toBeGreaterThanOrEqual(4);
    expect(usage.storedBytes).toBeGreaterThan(0);
    const keys = (
      await t.db.videoTask.findMany({ where: { batchId, outputKey: { not: null } } })
    ).map((task) => task.outputKey as string);
    expect(keys).toHaveLength(4);

    const ledgerBefore = await ledgerSnapshot();
    const balanceBefore = (await api.balance()).balance;
    // One second: every kept video is past its time at once.
    const changed = await callerFor(t, admin.user).storage.setRetention({
      accountId,
      retentionSeconds: 1,
    });
    expect(changed.videosRescheduled).toBeGreaterThanOrEqual(4);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The scheduled job, run now by the real worker rather than at the next minute.
    await enqueue(t.queue, jobs.videoRetention, {});

    const expired = await eventually(async () => {
      const tasks = (await api.listTasks(batchId, { status: 'succeeded' })).data;
      return tasks.every((task) => task.video_status === 'expired') && tasks;
    }, 'the videos to expire');
    for (const task of expired) {
      expect(task).toMatchObject({ video_url: null, video_status: 'expired' });
      expect(task.video_sha256).toMatch(/^[0-9a-f]{64}$/); // what was kept stays on record
      expect(Date.parse(task.video_expired_at ?? '')).toBeGreaterThanOrEqual(
        Date.parse(task.video_expires_at ?? ''),
      );
      const gone = await fetch(`${t.baseUrl}/api/enterprise/videos/${task.task_id}`, {
        headers: { 'x-api-key': DEMO_KEY },
        redirect: 'manual',
      });
      expect(gone.status).toBe(410);
      expect(await gone.json()).toMatchObject({
        ok: false,
        error: { code: 'video_expired' },
        expired_at: task.video_expired_at,
      });
    }
    for (const key of keys) expect(await t.storage.store.get(key)).toBeNull();
    const manifest = await new Response(await api.manifest(batchId, 'jsonl')).text();
    expect(manifest).toContain('"video_status":"expired"');

    // The ledger: the very same rows (hash chain included), the same balance, every invariant.
    expect(await ledgerSnapshot()).toEqual(ledgerBefore);
    expect((await api.balance()).balance).toBe(balanceBefore);
    const batch = await api.getBatch(batchId);
    expect(batch).toMatchObject({
      credits_spent: 40,
      refunded_credits: 10,
      settlement_status: 'refunded',
    });
    const report = await checkIntegrity(t.db);
    expect(report.violations).toEqual([]);
    expect(
      (await callerFor(t, admin.user).storage.accountStorage({ accountId })).storedVideos,
    ).toBe(0);
  });

  it('the database keeps a deleted video deleted and a stored one unchanged', async () => {
    const task = await t.db.videoTask.findFirstOrThrow({
      where: { outputDeletedAt: { not: null } },
    });
    await expect(
      t.db.videoTask.update({ where: { id: task.id }, data: { outputDeletedAt: null } }),
    ).rejects.toThrow(/stays deleted/);
    await expect(
      t.db.videoTask.update({ where: { id: task.id }, data: { outputSha256: 'f'.repeat(64) } }),
    ).rejects.toThrow(/never replaced/);
  });
});
