import fc from 'fast-check';
// An independent implementation (the Standard Webhooks authors' own), the reference we must match.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  computeSignature,
  generateSecret,
  SECRET_PREFIX,
  signWebhook,
  verifyWebhook,
  WebhookVerificationError,
} from '../src/index';

const now = new Date('2026-11-25T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.code;
    throw error;
  }
  return 'accepted';
}

describe('signing', () => {
  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSecret();
    expect(a.startsWith(SECRET_PREFIX)).toBe(true);
    expect(Buffer.from(a.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(a);
  });

  it('matches the Standard Webhooks reference implementation byte for byte', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes(' ')),
        fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
        fc.json(),
        (id, timestamp, body) => {
          const secret = generateSecret();
          const reference = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
          expect(`v1,${computeSignature(secret, id, timestamp, body)}`).toBe(reference);
        },
      ),
    );
  });

  it('is accepted by the reference verifier with each of several secrets (rotation overlap)', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const body = JSON.stringify({ type: 'batch.completed', data: { batch_id: 'b' } });
    const headers = signWebhook({
      id: 'evt_1',
      timestampSeconds: Math.floor(Date.now() / 1000),
      body,
      secrets: [newSecret, oldSecret],
    });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newSecret]) {
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    }
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow();
  });
});

describe('verifyWebhook', () => {
  const secret = generateSecret();
  const body = '{"type":"batch.completed","data":{"credits_spent":190}}';
  const signed = () => ({
    'webhook-id': 'evt_42',
    'webhook-timestamp': String(nowSeconds),
    'webhook-signature': new Webhook(secret).sign('evt_42', now, body),
  });

  it('accepts what the reference implementation signed, from a record or Headers', () => {
    const verified = verifyWebhook({ body, headers: signed(), secret, now });
    expect(verified).toEqual({
      id: 'evt_42',
      timestamp: now,
      payload: { type: 'batch.completed', data: { credits_spent: 190 } },
    });
    const fetchHeaders = new Headers(signed());
    expect(verifyWebhook({ body: Buffer.from(body), headers: fetchHeaders, secret, now }).id).toBe(
      'evt_42',
    );
  });

  it('accepts when any one of several configured secrets matches', () => {
    expect(
      codeOf(() =>
        verifyWebhook({ body, headers: signed(), secret: [generateSecret(), secret], now }),
      ),
    ).toBe('accepted');
  });

  it('refuses a changed body, a wrong secret, a changed id, missing headers and stale timestamps', () => {
    expect(
      codeOf(() =>
        verifyWebhook({ body: body.replace('190', '1900'), headers: signed(), secret, now }),
      ),
    ).toBe('no_matching_signature');
    expect(
      codeOf(() => verifyWebhook({ body, headers: signed(), secret: generateSecret(), now })),
    ).toBe('no_matching_signature');
    expect(
      codeOf(() =>
        verifyWebhook({ body, headers: { ...signed(), 'webhook-id': 'evt_43' }, secret, now }),
      ),
    ).toBe('no_matching_signature');
    expect(
      codeOf(() => verifyWebhook({ body, headers: { 'webhook-id': 'evt_42' }, secret, now })),
    ).toBe('missing_header');
    expect(
      codeOf(() =>
        verifyWebhook({ body, headers: { ...signed(), 'webhook-timestamp': 'soon' }, secret, now }),
      ),
    ).toBe('invalid_timestamp');
    const late = new Date(now.getTime() + 301_000);
    expect(codeOf(() => verifyWebhook({ body, headers: signed(), secret, now: late }))).toBe(
      'timestamp_out_of_tolerance',
    );
    expect(
      codeOf(() => verifyWebhook({ body, headers: signed(), secret: 'whsec_not*base64', now })),
    ).toBe('invalid_secret');
  });

  it('compares signatures of the wrong length without throwing', () => {
    const headers = { ...signed(), 'webhook-signature': 'v1,AAAA v2,zzz' };
    expect(codeOf(() => verifyWebhook({ body, headers, secret, now }))).toBe(
      'no_matching_signature',
    );
  });
});
