import { describe, expect, it } from 'vitest';
import type { ModelPrice } from '../src/index';
import { quoteBatch } from '../src/index';

// A catalogue like a live provider's: a per-second model with two resolution tiers, a flat one
// (the seed's sora-2), a retired one and a disabled one.
const prices: ModelPrice[] = [
  {
    model: 'veo',
    enabled: true,
    creditsPerSecond: { '1280x720': 3, '1920x1080': 5 },
    allowedSeconds: [4, 6, 8],
    allowedSizes: ['1280x720', '1920x1080'],
  },
  { model: 'sora-2', enabled: true, priceCredits: 10, allowedSeconds: [4, 8, 12] },
  {
    model: 'veo-2',
    enabled: false,
    creditsPerSecond: { '1280x720': 2 },
    retired: { replacement: 'veo' },
  },
  { model: 'kling', enabled: false, priceCredits: 7 },
];

describe('quoteBatch with per-second prices', () => {
  it('prices each item at rate(size) × seconds, with one variant per length and size', () => {
    const result = quoteBatch(
      [
        { model: 'veo', seconds: 8, size: '1280x720' },
        { model: 'sora-2', seconds: 12, size: '1280x720' },
        { model: 'veo', seconds: 4, size: '1920x1080' },
        { model: 'veo', seconds: 8, size: '1280x720' },
      ],
      prices,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        totalCount: 4,
        itemPrices: [24, 10, 20, 24],
        costPerVideo: null,
        requiredCredits: 78,
        breakdown: [
          {
            model: 'veo',
            count: 3,
            priceCredits: null,
            subtotalCredits: 68,
            variants: [
              {
                seconds: 8,
                size: '1280x720',
                count: 2,
                creditsPerSecond: 3,
                priceCredits: 24,
                subtotalCredits: 48,
              },
              {
                seconds: 4,
                size: '1920x1080',
                count: 1,
                creditsPerSecond: 5,
                priceCredits: 20,
                subtotalCredits: 20,
              },
            ],
          },
          // A flat price ignores the length: the seed's figures stay exactly as they were.
          { model: 'sora-2', count: 1, priceCredits: 10, subtotalCredits: 10 },
        ],
      },
    });
  });

  it('has a cost per video when every item costs the same, across pricing kinds', () => {
    // 2 s at 5 credits/s is 10 credits, as is one flat sora-2 video.
    const sameTotal: ModelPrice[] = [
      { model: 'p', enabled: true, creditsPerSecond: { '1280x720': 5 } },
      { model: 'sora-2', enabled: true, priceCredits: 10 },
    ];
    const result = quoteBatch(
      [
        { model: 'p', seconds: 2, size: '1280x720' },
        { model: 'sora-2', seconds: 8, size: '1280x720' },
      ],
      sameTotal,
    );
    expect(result.ok && result.value.costPerVideo).toBe(10);
    expect(result.ok && result.value.breakdown[0]?.priceCredits).toBe(10);
  });

  it('reports every length and size a model does not offer, with its items', () => {
    const result = quoteBatch(
      [
        { model: 'veo', seconds: 8, size: '1280x720' },
        { model: 'veo', seconds: 5, size: '1280x720' },
        { model: 'veo', seconds: 8, size: '640x480' },
        { model: 'sora-2', seconds: 6, size: '1280x720' },
        { model: 'veo', seconds: 5, size: '1920x1080' },
      ],
      prices,
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'seconds_not_offered',
        model: 'veo',
        seconds: 5,
        allowedSeconds: [4, 6, 8],
        itemIndexes: [1, 4],
        problems: [
          {
            code: 'seconds_not_offered',
            model: 'veo',
            seconds: 5,
            allowedSeconds: [4, 6, 8],
            itemIndexes: [1, 4],
          },
          {
            code: 'size_not_offered',
            model: 'veo',
            size: '640x480',
            allowedSizes: ['1280x720', '1920x1080'],
            itemIndexes: [2],
          },
          {
            code: 'seconds_not_offered',
            model: 'sora-2',
            seconds: 6,
            allowedSeconds: [4, 8, 12],
            itemIndexes: [3],
          },
        ],
      },
    });
  });

  it('offers exactly the priced sizes when a per-second model names no allowed sizes', () => {
    const result = quoteBatch(
      [{ model: 'p', seconds: 4, size: '1920x1080' }],
      [{ model: 'p', enabled: true, creditsPerSecond: { '1280x720': 2 } }],
    );
    expect(result.ok ? null : result.error).toMatchObject({
      code: 'size_not_offered',
      allowedSizes: ['1280x720'],
    });
  });

  it('names a retired model and its replacement before anything else about it', () => {
    const result = quoteBatch(
      [
        { model: 'veo', seconds: 4, size: '1280x720' },
        { model: 'veo-2', seconds: 4, size: '1280x720' },
        { model: 'kling' },
      ],
      prices,
    );
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'model_retired',
        model: 'veo-2',
        replacement: 'veo',
        itemIndexes: [1],
        problems: [
          { code: 'model_retired', model: 'veo-2', replacement: 'veo', itemIndexes: [1] },
          { code: 'model_disabled', model: 'kling', itemIndexes: [2] },
        ],
      },
    });
  });

  it('throws for a per-second item without seconds or size (callers fill in defaults)', () => {
    expect(() => quoteBatch([{ model: 'veo', size: '1280x720' }], prices)).toThrow(RangeError);
    expect(() => quoteBatch([{ model: 'veo', seconds: 4 }], prices)).toThrow(RangeError);
  });

  it('throws for an offered size without a price, or a fractional rate (configuration bugs)', () => {
    expect(() =>
      quoteBatch(
        [{ model: 'x', seconds: 4, size: '1920x1080' }],
        [
          {
            model: 'x',
            enabled: true,
            creditsPerSecond: { '1280x720': 2 },
            allowedSizes: ['1280x720', '1920x1080'],
          },
        ],
      ),
    ).toThrow(/no price/);
    expect(() =>
      quoteBatch(
        [{ model: 'x', seconds: 4, size: '1280x720' }],
        [{ model: 'x', enabled: true, creditsPerSecond: { '1280x720': 2.5 } }],
      ),
    ).toThrow(RangeError);
  });

  it('quotes 10,000 items of mixed lengths and sizes exactly', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => ({
      model: 'veo',
      seconds: [4, 6, 8][i % 3] as number,
      size: i % 2 === 0 ? '1280x720' : '1920x1080',
    }));
    const result = quoteBatch(items, prices);
    const expected = items.reduce(
      (sum, item) => sum + item.seconds * (item.size === '1280x720' ? 3 : 5),
      0,
    );
    expect(result.ok && result.value.requiredCredits).toBe(expected);
    expect(result.ok && result.value.breakdown[0]?.variants?.length).toBe(6);
  });
});
