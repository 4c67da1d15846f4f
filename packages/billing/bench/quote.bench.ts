import { bench, describe } from 'vitest';
import type { LedgerRow } from '../src/account-ledger';
import type { ModelPrice } from '../src/index';
import { checkAccountLedger, quoteBatch } from '../src/index';

const prices: ModelPrice[] = [
  { model: 'sora-2', priceCredits: 10, enabled: true },
  { model: 'sora-2-pro', priceCredits: 30, enabled: true },
  { model: 'veo-3', priceCredits: 25, enabled: true },
];
const priceMap = new Map(prices.map((p) => [p.model, p]));

const uniform = Array.from({ length: 10_000 }, () => ({ model: 'sora-2' }));
const mixed = Array.from({ length: 10_000 }, (_, i) => ({
  model: prices[i % prices.length]?.model ?? 'sora-2',
}));

function mustQuote(result: ReturnType<typeof quoteBatch>): void {
  if (!result.ok) {
    throw new Error(`quote failed: ${result.error.code}`);
  }
}

describe('quote a 10,000-item batch', () => {
  bench('one model, price list', () => {
    mustQuote(quoteBatch(uniform, prices));
  });
  bench('three models, price list', () => {
    mustQuote(quoteBatch(mixed, prices));
  });
  bench('three models, price map', () => {
    mustQuote(quoteBatch(mixed, priceMap));
  });
});

describe('check a 10,000-row account ledger', () => {
  let balance = 0;
  const rows: LedgerRow[] = Array.from({ length: 10_000 }, (_, i) => {
    balance += 5;
    return {
      id: BigInt(i + 1),
      accountId: 'acct-1',
      refType: 'topup',
      refId: `grant-${i}`,
      taskId: null,
      creditsDelta: 5,
      balanceAfter: balance,
    };
  });
  bench('checkAccountLedger', () => {
    if (checkAccountLedger({ id: 'acct-1', balance }, rows).length > 0) {
      throw new Error('unexpected violations');
    }
  });
});
