// Quotes and admission with prices per second of output for each size (issue 15): exact quotes
// and breakdowns, the 402 to the credit, validation of lengths and sizes per model, and prices
// fixed at admission whatever the catalogue says later.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, type Staff } from './support/admin';
import { accountWithKey, createPerSecondModel } from './support/catalogue';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import { clientOf, refusal } from './support/scenarios';

let t: TestApp;
let veo: string;
let admin: Staff;
beforeAll(async () => {
  t = await startTestApp();
  veo = (await createPerSecondModel(t.db, { id: 'veo-sim' })).id;
  admin = await createStaff(t.db, 'admin');
});
afterAll(() => t?.close());

/** Eight seconds at 720p twice, four at 1080p, one with the model's defaults, one flat sora-2. */
const mixed = () => ({
  items: [
    { prompt: 'A harbour at dawn', model: veo, seconds: 8, size: '1280x720' },
    { prompt: 'A market at noon', model: veo, seconds: 4, size: '1920x1080' },
    { prompt: 'A lighthouse at dusk', model: veo, seconds: 8, size: '1280x720' },
    { prompt: 'A tram at night', model: veo },
    { prompt: 'A cat playing piano', model: 'sora-2', seconds: 12 },
  ],
});
// 24 + 20 + 24 + 12 (4 s at 1280x720, the first allowed of each) + 10 (flat, whatever the length)
const MIXED_REQUIRED = 90;

describe('quotes priced per second and size', () => {
  it('quote each item at rate × seconds, with the breakdown per model, length and size', async () => {
    const demo = await clientOf(t);
    const quote = await demo.quote(mixed());
    expect(quote).toMatchObject({
      total_count: 5,
      cost_per_video: null,
      required_credits: MIXED_REQUIRED,
      breakdown: [
        {
          model: veo,
          count: 4,
          price_credits: null,
          subtotal_credits: 80,
          pricing: 'per_second',
          variants: [
            {
              seconds: 8,
              size: '1280x720',
              count: 2,
              credits_per_second: 3,
              price_credits: 24,
              subtotal_credits: 48,
            },
            {
              seconds: 4,
              size: '1920x1080',
              count: 1,
              credits_per_second: 5,
              price_credits: 20,
              subtotal_credits: 20,
            },
            {
              seconds: 4,
              size: '1280x720',
              count: 1,
              credits_per_second: 3,
              price_credits: 12,
              subtotal_credits: 12,
            },
          ],
        },
        {
          model: 'sora-2',
          count: 1,
          price_credits: 10,
          subtotal_credits: 10,
          pricing: 'per_video',
        },
      ],
    });
    expect(quote.breakdown[1]).not.toHaveProperty('variants');
  });

  it('give cost_per_video when every item costs the same', async () => {
    const demo = await clientOf(t);
    const quote = await demo.quote({
      items: [
        { prompt: 'A', model: veo, seconds: 8, size: '1280x720' },
        { prompt: 'B', model: veo, seconds: 8, size: '1280x720' },
      ],
    });
    expect(quote).toMatchObject({ cost_per_video: 24, required_credits: 48 });
    expect(quote.breakdown[0]).toMatchObject({ price_credits: 24 });
  });

  it('admit at exactly the quoted credits, and refuse one credit short with 402, writing nothing', async () => {
    const short = await accountWithKey(t.db, MIXED_REQUIRED - 1);
    const poor = await clientOf(t, { apiKey: short.key });
    const before = await snapshotDatabase(t.db);
    const refused = await refusal(poor.createBatch(mixed()));
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({
      error: { code: 'insufficient_credits' },
      required_credits: MIXED_REQUIRED,
      available_credits: MIXED_REQUIRED - 1,
    });
    await expectNothingWritten(t.db, before);
    expect(await poor.quote(mixed())).toMatchObject({ would_admit: false, shortfall_credits: 1 });

    const exact = await accountWithKey(t.db, MIXED_REQUIRED);
    const payer = await clientOf(t, { apiKey: exact.key });
    const { batch } = await payer.createBatch(mixed());
    expect(payer.last.status).toBe(202);
    expect(batch).toMatchObject({
      required_credits: MIXED_REQUIRED,
      available_credits: MIXED_REQUIRED,
    });
    const tasks = await t.db.videoTask.findMany({
      where: { batchId: batch.batch_id },
      orderBy: { batchIndex: 'asc' },
      select: { costCredits: true, parameters: true, model: true },
    });
    expect(tasks.map((task) => task.costCredits)).toEqual([24, 20, 24, 12, 10]);
    expect(tasks[3]?.parameters).toEqual({ seconds: 4, size: '1280x720' });
    expect(await payer.balance()).toMatchObject({
      available_credits: 0,
      reserved_credits: MIXED_REQUIRED,
    });
  });
});

describe('lengths and sizes checked per model', () => {
  it('answer 422 naming each item and field the model does not offer, and write nothing', async () => {
    const demo = await clientOf(t);
    const before = await snapshotDatabase(t.db);
    const body = {
      items: [
        { prompt: 'fine', model: veo, seconds: 6, size: '1920x1080' },
        { prompt: 'between offered lengths', model: veo, seconds: 5 },
        { prompt: 'too long', model: veo, seconds: 10, size: '1280x720' },
        { prompt: 'too short and too small', model: veo, seconds: 2, size: '640x480' },
        { prompt: 'flat price, length still checked', model: 'sora-2', seconds: 6 },
      ],
    };
    for (const call of [() => demo.createBatch(body), () => demo.quote(body)]) {
      const refused = await refusal(call());
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        error: {
          code: 'invalid_request',
          details: [
            { path: 'items[1].seconds', message: `Must be one of 4, 6, 8 seconds for ${veo}.` },
            {
              path: 'items[2].seconds',
              message: `Must be at most 8 seconds for ${veo} (4, 6, 8).`,
            },
            {
              path: 'items[3].seconds',
              message: `Must be at least 4 seconds for ${veo} (4, 6, 8).`,
            },
            { path: 'items[3].size', message: `Must be one of 1280x720, 1920x1080 for ${veo}.` },
            { path: 'items[4].seconds', message: 'Must be one of 4, 8, 12 seconds for sora-2.' },
          ],
        },
      });
    }
    await expectNothingWritten(t.db, before);
  });

  it('describe a run of whole seconds as a range', async () => {
    const runway = await createPerSecondModel(t.db, {
      creditsPerSecond: { '1280x720': 2 },
      allowedSeconds: [2, 3, 4, 5, 6, 7, 8, 9, 10],
    });
    const refused = await refusal(
      (await clientOf(t)).quote({ items: [{ prompt: 'x', model: runway.id, seconds: 12 }] }),
    );
    expect(refused.body).toMatchObject({
      error: {
        details: [
          {
            path: 'items[0].seconds',
            message: `Must be at most 10 seconds for ${runway.id} (2–10).`,
          },
        ],
      },
    });
  });
});

describe('prices fixed at admission', () => {
  it('a price change applies to new quotes only; admitted tasks keep their price', async () => {
    const model = await createPerSecondModel(t.db);
    const demo = await clientOf(t);
    const item = { prompt: 'A glacier', model: model.id, seconds: 8, size: '1920x1080' };
    const { batch } = await demo.createBatch({ items: [item] });
    expect(batch.required_credits).toBe(40);

    const caller = callerFor(t, admin.user);
    const [current] = (await caller.models.list()).filter((m) => m.id === model.id);
    if (!current) throw new Error('model not listed');
    await caller.models.update({
      ...current,
      provider: 'simulator',
      pricing: { kind: 'per_second', creditsPerSecond: { '1280x720': 4, '1920x1080': 7 } },
    });

    expect((await demo.quote({ items: [item] })).required_credits).toBe(56);
    const task = await t.db.videoTask.findFirstOrThrow({ where: { batchId: batch.batch_id } });
    expect(task.costCredits).toBe(40);
    expect((await demo.getBatch(batch.batch_id)).required_credits).toBe(40);
    // The database itself refuses to reprice an admitted task.
    await expect(
      t.db.videoTask.update({ where: { id: task.id }, data: { costCredits: 56 } }),
    ).rejects.toThrow(/price cannot change/);
  });
});
