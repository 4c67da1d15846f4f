// Provider cost beside customer credits (issue 15): what the executor records per task attempt
// (the provider's own report, else the catalogue's estimate), and what finance reads: credits
// charged against provider cost and the margin, per day, per model and per batch, on screen and
// as CSV. Reporting only: the ledger never changes.

import { findPgError } from '@batchreel/db';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProviderCostReport, recordProviderCost } from '../src/costs/record';
import { SESSION_COOKIE } from '../src/staff/sessions';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, type Staff, sessionCookieFrom, trpcHttp } from './support/admin';
import { createPerSecondModel } from './support/catalogue';
import { submitBatch, waitUntilSettled } from './support/scenarios';

let t: TestApp;
let finance: Staff;
const VEO = 'veo-sim'; // 3 credits/s at 720p, 5 at 1080p; costs $0.05 and $0.09 per second
const RUNWAY = 'runway-sim'; // 30 credits per video; no provider cost in the catalogue

const DAY = 86_400_000;
const today = new Date(new Date().toISOString().slice(0, 10));
const yesterday = new Date(today.getTime() - DAY);
const tomorrow = new Date(today.getTime() + DAY);

let batchA: string;
let batchB: string;

const record = (report: ProviderCostReport) =>
  t.db.$transaction((tx) => recordProviderCost(tx, report));

beforeAll(async () => {
  t = await startTestApp({
    worker: {
      latencyMs: 10,
      taskTimeoutMs: 300,
      beforeStart: async (db) => {
        await createPerSecondModel(db, { id: VEO });
        await db.model.create({
          data: {
            id: RUNWAY,
            displayName: 'Runway (simulated)',
            provider: 'simulator',
            providerModel: 'gen4_turbo',
            priceCredits: 30,
          },
        });
      },
    },
  });
  finance = await createStaff(t.db, 'finance');
  batchA = (
    await submitBatch(t, [
      { prompt: 'A harbour at dawn', model: VEO, seconds: 8, size: '1280x720' }, // 24
      { prompt: 'A market at noon', model: VEO, seconds: 4, size: '1920x1080' }, // 20
      { prompt: 'A riot [sim:content_policy]', model: VEO, seconds: 6, size: '1280x720' }, // 18
      { prompt: 'A bridge in fog', model: RUNWAY }, // 30
      { prompt: 'A brawl [sim:content_policy]', model: VEO, seconds: 8, size: '1920x1080' }, // 40
    ])
  ).batch_id;
  batchB = (
    await submitBatch(t, [
      { prompt: 'A tram at night', model: VEO, seconds: 4, size: '1280x720' }, // 12
      { prompt: 'A cat playing piano', model: 'sora-2' }, // 10
    ])
  ).batch_id;
  await waitUntilSettled(t, batchA);
  await waitUntilSettled(t, batchB);
}, 120_000);
afterAll(() => t?.close());

async function tasksOf(batchId: string) {
  return t.db.videoTask.findMany({ where: { batchId }, orderBy: { batchIndex: 'asc' } });
}

describe('recording what a provider charged', () => {
  it('records the report, or the catalogue estimate for a success, once per attempt, outside the ledger', async () => {
    const ledgerRows = await t.db.creditLedger.count();
    const [a0, a1, a2, a3, a4] = await tasksOf(batchA);
    if (!a0 || !a1 || !a2 || !a3 || !a4) throw new Error('tasks missing');

    // Nothing reported: the catalogue's $0.05/s × 8 s.
    expect(await record({ taskId: a0.id, attempt: 1, outcome: 'succeeded' })).toEqual({
      kind: 'recorded',
      source: 'catalogue',
      amount: 400_000,
      unit: 'usd_micros',
    });
    // Dollars as the provider reported them, in micro-units; metered figures kept beside.
    expect(
      await record({
        taskId: a1.id,
        attempt: 1,
        outcome: 'succeeded',
        usage: { cost: { amount: 0.35, currency: 'USD' }, metered: { inference_seconds: 41.2 } },
      }),
    ).toEqual({ kind: 'recorded', source: 'provider', amount: 350_000, unit: 'usd_micros' });
    // A refused job the provider did not bill: nothing to record.
    expect(await record({ taskId: a2.id, attempt: 1, outcome: 'failed' })).toEqual({
      kind: 'nothing_to_record',
      reason: 'not_charged',
    });
    // The provider's own unit, kept apart from dollars.
    expect(
      await record({
        taskId: a3.id,
        attempt: 1,
        outcome: 'succeeded',
        usage: { cost: { amount: 40, currency: 'runway_credits' } },
      }),
    ).toMatchObject({ kind: 'recorded', source: 'provider', amount: 40, unit: 'runway_credits' });
    // A failure the provider did bill.
    expect(
      await record({
        taskId: a4.id,
        attempt: 1,
        outcome: 'failed',
        usage: { cost: { amount: 0.1, currency: 'usd' } },
      }),
    ).toMatchObject({ kind: 'recorded', amount: 100_000 });

    // Again (a repeated job, a restarted worker): nothing more.
    expect(
      await record({
        taskId: a1.id,
        attempt: 1,
        outcome: 'succeeded',
        usage: { cost: { amount: 9, currency: 'USD' } },
      }),
    ).toEqual({ kind: 'already_recorded' });
    const rows = await t.db.providerCost.findMany({
      where: { batchId: batchA },
      orderBy: { id: 'asc' },
    });
    expect(
      rows.map((r) => [r.taskId, r.model, r.provider, Number(r.amount), r.unit, r.source]),
    ).toEqual([
      [a0.id, VEO, 'simulator', 400_000, 'usd_micros', 'catalogue'],
      [a1.id, VEO, 'simulator', 350_000, 'usd_micros', 'provider'],
      [a3.id, RUNWAY, 'simulator', 40, 'runway_credits', 'provider'],
      [a4.id, VEO, 'simulator', 100_000, 'usd_micros', 'provider'],
    ]);
    expect(rows[1]?.reported).toEqual({
      cost: { amount: 0.35, currency: 'USD' },
      metered: { inference_seconds: 41.2 },
    });
    expect(rows[0]?.accountId).toBe(a0.accountId);

    // A success of a model without a catalogue rate, and no report: nothing is claimed.
    const [, b1] = await tasksOf(batchB);
    expect(await record({ taskId: b1?.id ?? '', attempt: 1, outcome: 'succeeded' })).toEqual({
      kind: 'nothing_to_record',
      reason: 'no_catalogue_rate',
    });
    expect(await t.db.creditLedger.count()).toBe(ledgerRows);
    // Evidence, like the ledger: never changed.
    const refused = await t.db.providerCost
      .update({ where: { id: rows[0]?.id }, data: { amount: 1n } })
      .then(
        () => null,
        (error: unknown) => findPgError(error),
      );
    expect(refused?.message).toMatch(/provider_costs is append-only: UPDATE is not allowed/);
  });
});

describe('the cost report (finance)', () => {
  beforeAll(async () => {
    // Batch B belongs to yesterday: its tasks finished then, and its cost was recorded then.
    const [b0] = await tasksOf(batchB);
    await t.db.$executeRaw`
      UPDATE video_tasks SET finished_at = finished_at - interval '1 day' WHERE batch_id = ${batchB}::uuid`;
    await t.db.$executeRaw`
      INSERT INTO provider_costs (task_id, attempt, batch_id, account_id, model, provider, amount, unit, source, recorded_at)
      VALUES (${b0?.id}::uuid, 1, ${batchB}::uuid, ${b0?.accountId}::uuid, ${VEO}, 'simulator', 200000,
              'usd_micros', 'catalogue', ${new Date(yesterday.getTime() + 3_600_000)})`;
  });

  const report = (groupBy: 'day' | 'model' | 'batch', from = yesterday, to = tomorrow) =>
    callerFor(t, finance.user).costs.report({ groupBy, from, to });

  it('sums credits charged and provider cost per day, every day of the period shown', async () => {
    const byDay = await report('day');
    expect(byDay.creditValue).toBeNull();
    const day = (d: Date) => d.toISOString().slice(0, 10);
    expect(
      byDay.rows.map((r) => [
        r.key,
        r.creditsCharged,
        r.tasksSucceeded,
        r.providerCost,
        r.providerCostEstimated,
      ]),
    ).toEqual([
      [day(yesterday), 22, 2, 200_000, 200_000],
      [day(today), 74, 3, 850_000, 400_000],
    ]);
    expect(byDay.rows[1]?.otherCosts).toEqual([
      { unit: 'runway_credits', amount: 40, estimated: 0 },
    ]);
    expect(byDay.rows.every((r) => r.revenue === null && r.margin === null)).toBe(true);
    expect(byDay.totals).toMatchObject({ creditsCharged: 96, providerCost: 1_050_000 });

    // The period filters by when credits and costs happened: yesterday alone.
    const onlyYesterday = await report('day', yesterday, today);
    expect(onlyYesterday.rows.map((r) => [r.key, r.creditsCharged, r.providerCost])).toEqual([
      [day(yesterday), 22, 200_000],
    ]);
  });

  it('per model and per batch, with margins once finance sets what a credit is worth', async () => {
    const caller = callerFor(t, finance.user);
    await caller.costs.setCreditValue({ usdMicrosPerCredit: 50_000 }); // 1 credit = $0.05
    const audit = await t.db.auditLog.findFirstOrThrow({ where: { action: 'credit_value.set' } });
    expect(audit).toMatchObject({
      actor: `admin:${finance.user.email}`,
      after: { perCredit: 50_000 },
    });

    const byModel = await report('model');
    expect(byModel.creditValue).toMatchObject({ perCredit: 50_000 });
    expect(
      byModel.rows.map((r) => [r.key, r.creditsCharged, r.providerCost, r.revenue, r.margin]),
    ).toEqual([
      [RUNWAY, 30, 0, 1_500_000, 1_500_000],
      ['sora-2', 10, 0, 500_000, 500_000],
      [VEO, 56, 1_050_000, 2_800_000, 1_750_000],
    ]);
    expect(byModel.rows[0]?.otherCosts).toEqual([
      { unit: 'runway_credits', amount: 40, estimated: 0 },
    ]);
    expect(byModel.totals).toMatchObject({
      creditsCharged: 96,
      providerCost: 1_050_000,
      revenue: 4_800_000,
      margin: 3_750_000,
    });

    const byBatch = await report('batch');
    expect(byBatch.rows.map((r) => [r.key, r.creditsCharged, r.providerCost, r.margin])).toEqual([
      [batchB, 22, 200_000, 22 * 50_000 - 200_000],
      [batchA, 74, 850_000, 74 * 50_000 - 850_000],
    ]);
    expect(byBatch.rows[0]).toMatchObject({ accountName: 'Demo Corp' });
    // The ledger agrees with the credits charged: what each batch finally spent.
    for (const row of byBatch.rows) {
      const batch = await t.db.batchJob.findUniqueOrThrow({ where: { id: row.key } });
      expect(batch.creditsSpent).toBe(row.creditsCharged);
    }
  });

  it('exports the same figures as CSV for finance; refuses support and strangers', async () => {
    const signIn = async (staff: Staff) => {
      const answer = await trpcHttp(t.baseUrl, 'mutation', 'auth.signIn', {
        email: staff.user.email,
        password: staff.password,
      });
      return sessionCookieFrom(answer.setCookies)?.value ?? '';
    };
    const url = `${t.baseUrl}/admin/export/provider-costs.csv?groupBy=model&from=${yesterday.toISOString()}&to=${tomorrow.toISOString()}`;
    const download = (cookie?: string) =>
      fetch(url, cookie ? { headers: { cookie: `${SESSION_COOKIE}=${cookie}` } } : {});

    const response = await download(await signIn(finance));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toMatch(/batchreel-provider-costs-model-/);
    const rows = parse(await response.text(), { columns: true }) as Record<string, string>[];
    const screen = await report('model');
    expect(
      rows.map((r) => [r.key, r.credits_charged, r.provider_cost_usd_micros, r.margin_usd_micros]),
    ).toEqual([
      ...screen.rows.map((r) => [
        r.key,
        String(r.creditsCharged),
        String(r.providerCost),
        String(r.margin),
      ]),
      ['', '96', '1050000', '3750000'],
    ]);
    expect(rows.find((r) => r.key === RUNWAY)?.other_provider_costs).toBe('40 runway_credits');
    expect(rows.every((r) => r.credit_value_usd_micros === '50000')).toBe(true);

    expect((await download(await signIn(await createStaff(t.db, 'support')))).status).toBe(403);
    expect((await download()).status).toBe(401);
    const bad = await fetch(url.replace('groupBy=model', 'groupBy=week'), {
      headers: { cookie: `${SESSION_COOKIE}=${await signIn(finance)}` },
    });
    expect(bad.status).toBe(400);
  });
});
