// Catalogue management (issue 15): an admin lists, creates and edits models — provider, prices
// per video or per second and size, lengths and sizes, limit, provider cost — every change in
// the audit log with before and after; support and finance cannot change anything.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../src/env';
import { CATALOGUE_PROVIDERS } from '../src/models/providers';
import { createProviderRegistry, liveProvidersFromEnv } from '../src/providers/registry';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, expectTrpcError, type Staff } from './support/admin';
import { clientOf } from './support/scenarios';

let t: TestApp;
let admin: Staff;
beforeAll(async () => {
  t = await startTestApp();
  admin = await createStaff(t.db, 'admin');
});
afterAll(() => t?.close());

const perSecond = () => ({
  id: `veo-${randomUUID().slice(0, 8)}`,
  displayName: 'Veo 3.1 Fast',
  provider: 'fal' as const,
  providerModel: 'fal-ai/veo3.1/fast',
  pricing: {
    kind: 'per_second' as const,
    creditsPerSecond: { '1280x720': 3, '1920x1080': 5 },
  },
  allowedSeconds: [4, 6, 8],
  allowedSizes: ['1280x720', '1920x1080'],
  maxConcurrency: 16,
  providerCost: { unit: 'usd_micros', perSecond: { '1280x720': 100_000, '1920x1080': 150_000 } },
  enabled: true,
});

const auditOf = (id: string) =>
  t.db.auditLog.findMany({ where: { targetType: 'model', targetId: id }, orderBy: { id: 'asc' } });

describe('catalogue (admin)', () => {
  it('lists the seeded model with its flat price and the providers of the registry', async () => {
    const caller = callerFor(t, admin.user);
    expect(await caller.models.list()).toContainEqual(
      expect.objectContaining({
        id: 'sora-2',
        provider: 'simulator',
        pricing: { kind: 'per_video', priceCredits: 10 },
        allowedSeconds: [4, 8, 12],
        allowedSizes: ['1280x720', '720x1280'],
        providerCost: null,
        retiredAt: null,
      }),
    );
    // The names the provider registry registers when every provider is configured.
    const registry = createProviderRegistry({
      simulator: { latencyMs: 10, taskTimeoutMs: 300, publicBaseUrl: 'http://127.0.0.1:1' },
      ...liveProvidersFromEnv(
        loadEnv({
          FAL_KEY: 'k',
          REPLICATE_API_TOKEN: 'k',
          RUNWAYML_API_SECRET: 'k',
          GEMINI_API_KEY: 'k',
          OPENAI_VIDEOS_BASE_URL: 'https://gateway.example/v1',
          OPENAI_VIDEOS_API_KEY: 'k',
        }),
      ),
    });
    expect([...(await caller.models.providers())].sort()).toEqual([...registry.keys()].sort());
    expect([...CATALOGUE_PROVIDERS].sort()).toEqual([...registry.keys()].sort());
  });

  it('creates a per-second model that clients can order at once, audited with its settings', async () => {
    const caller = callerFor(t, admin.user);
    const input = perSecond();
    const created = await caller.models.create(input);
    expect(created).toMatchObject({ ...input, retiredAt: null, queuedTasks: 0 });
    const [row] = await auditOf(input.id);
    expect(row).toMatchObject({
      action: 'model.created',
      actor: `admin:${admin.user.email}`,
      actorUserId: admin.user.id,
      before: null,
      after: {
        provider: 'fal',
        providerModel: 'fal-ai/veo3.1/fast',
        pricing: input.pricing,
        providerCost: input.providerCost,
        allowedSeconds: [4, 6, 8],
        maxConcurrency: 16,
        enabled: true,
      },
    });
    const quote = await (await clientOf(t)).quote({
      items: [{ prompt: 'A bridge', model: input.id, seconds: 6, size: '1920x1080' }],
    });
    expect(quote.required_credits).toBe(30);
  });

  it('edits a per-second price, audited before and after; a flat price turns per-second and back', async () => {
    const caller = callerFor(t, admin.user);
    const input = perSecond();
    await caller.models.create(input);
    const edited = await caller.models.update({
      ...input,
      pricing: { kind: 'per_second', creditsPerSecond: { '1280x720': 4, '1920x1080': 5 } },
    });
    expect(edited.pricing).toEqual({
      kind: 'per_second',
      creditsPerSecond: { '1280x720': 4, '1920x1080': 5 },
    });
    const [, updated] = await auditOf(input.id);
    expect(updated).toMatchObject({
      action: 'model.updated',
      before: { pricing: { creditsPerSecond: { '1280x720': 3, '1920x1080': 5 } } },
      after: { pricing: { creditsPerSecond: { '1280x720': 4, '1920x1080': 5 } } },
    });

    const flat = await caller.models.update({
      ...input,
      pricing: { kind: 'per_video', priceCredits: 25 },
      providerCost: null,
    });
    expect(flat).toMatchObject({
      pricing: { kind: 'per_video', priceCredits: 25 },
      providerCost: null,
    });
    const row = await t.db.model.findUniqueOrThrow({ where: { id: input.id } });
    expect(row).toMatchObject({
      priceCredits: 25,
      pricePerSecond: null,
      providerCostPerSecond: null,
      providerCostUnit: null,
    });
    expect(await auditOf(input.id)).toHaveLength(3);
  });

  it('refuses inconsistent settings with the path of each problem, writing nothing', async () => {
    const caller = callerFor(t, admin.user);
    const audits = await t.db.auditLog.count();
    const base = perSecond();
    const unpriced = await expectTrpcError(
      caller.models.create({
        ...base,
        allowedSizes: ['1280x720', '1920x1080', '3840x2160'],
      }),
      'BAD_REQUEST',
    );
    expect(unpriced.message).toMatch(/3840x2160 has none/);
    for (const bad of [
      {
        ...base,
        pricing: {
          kind: 'per_second' as const,
          creditsPerSecond: { '1280x720': 3, '1920x1080': 5, '640x480': 1 },
        },
      },
      { ...base, providerCost: { unit: 'usd_micros', perSecond: { '640x480': 1 } } },
      { ...base, providerCost: { unit: 'US Dollars', perSecond: { '1280x720': 1 } } },
      { ...base, pricing: { kind: 'per_video' as const, priceCredits: 0 } },
      {
        ...base,
        pricing: {
          kind: 'per_second' as const,
          creditsPerSecond: { '1280x720': 2.5, '1920x1080': 5 },
        },
      },
      { ...base, allowedSeconds: [4, 4] },
      { ...base, provider: 'sora-direct' },
      { ...base, id: 'has spaces' },
    ]) {
      // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid input
      await expectTrpcError(caller.models.create(bad as any), 'BAD_REQUEST');
    }
    expect(await t.db.auditLog.count()).toBe(audits);
    expect(await t.db.model.count({ where: { id: base.id } })).toBe(0);

    await caller.models.create(base);
    const exists = await expectTrpcError(caller.models.create(base), 'CONFLICT');
    expect(exists.cause).toMatchObject({ reason: 'model_exists' });
    await expectTrpcError(caller.models.update({ ...base, id: 'no-such-model' }), 'NOT_FOUND');
  });

  it('refuses support and finance every change, writing nothing', async () => {
    const model = perSecond();
    await callerFor(t, admin.user).models.create(model);
    const before = await t.db.model.findUniqueOrThrow({ where: { id: model.id } });
    const audits = await t.db.auditLog.count();
    for (const role of ['support', 'finance'] as const) {
      const caller = callerFor(t, (await createStaff(t.db, role)).user);
      await expectTrpcError(caller.models.list(), 'FORBIDDEN');
      await expectTrpcError(caller.models.create(perSecond()), 'FORBIDDEN');
      await expectTrpcError(
        caller.models.update({ ...model, pricing: { kind: 'per_video', priceCredits: 1 } }),
        'FORBIDDEN',
      );
      await expectTrpcError(caller.models.retire({ id: model.id, replacement: null }), 'FORBIDDEN');
      await expectTrpcError(caller.models.handleRetiredQueue({ id: model.id }), 'FORBIDDEN');
      // Everyone may read the price list (filters, the new-batch form).
      expect(await caller.ledger.models()).toContainEqual(
        expect.objectContaining({
          id: model.id,
          priceCredits: null,
          creditsPerSecond: model.pricing.creditsPerSecond,
        }),
      );
    }
    expect(await t.db.model.findUniqueOrThrow({ where: { id: model.id } })).toEqual(before);
    expect(await t.db.auditLog.count()).toBe(audits);
  });
});
