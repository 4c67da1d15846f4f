import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ChainedLedgerRow,
  chainHead,
  checkLedgerChain,
  genesisHash,
  ledgerRowHash,
} from '../src/ledger-chain';

const accountId = '7f3c1d2e-0000-4000-8000-000000000001';

/** A correctly chained ledger of `deltas` (a topup first so balances stay ≥ 0). */
function chain(deltas: number[]): ChainedLedgerRow[] {
  let prev = genesisHash(accountId);
  let balance = 0;
  return deltas.map((delta, i) => {
    balance += delta;
    const row = {
      id: String(i + 1),
      accountId,
      refType: i === 0 ? ('topup' as const) : ('adjustment' as const),
      refId: randomUUID(),
      taskId: null,
      creditsDelta: delta,
      balanceAfter: balance,
      createdAt: new Date(Date.UTC(2026, 10, 25, 12, 0, i)),
    };
    const rowHash = ledgerRowHash(prev, row);
    const chained = { ...row, prevHash: prev, rowHash };
    prev = rowHash;
    return chained;
  });
}

const deltas = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 30 });

describe('ledger hash chain', () => {
  it('accepts an intact chain and quotes its head', () => {
    fc.assert(
      fc.property(deltas, (ds) => {
        const rows = chain(ds);
        expect(checkLedgerChain(accountId, rows)).toEqual([]);
        expect(chainHead(accountId, rows)).toBe(rows.at(-1)?.rowHash);
      }),
    );
    expect(chainHead(accountId, [])).toBe(genesisHash(accountId));
  });

  it('reports exactly the edited row, whichever money field of whichever row changes', () => {
    const edits: ((row: ChainedLedgerRow) => ChainedLedgerRow)[] = [
      (r) => ({ ...r, creditsDelta: r.creditsDelta + 1 }),
      (r) => ({ ...r, balanceAfter: r.balanceAfter - 1 }),
      (r) => ({ ...r, refId: randomUUID() }),
      (r) => ({ ...r, taskId: randomUUID() }),
      (r) => ({ ...r, refType: 'batch_refund' }),
      (r) => ({ ...r, createdAt: new Date(r.createdAt.getTime() - 1) }),
      (r) => ({ ...r, accountId: randomUUID() }),
    ];
    fc.assert(
      fc.property(deltas, fc.nat(), fc.integer({ min: 0, max: edits.length - 1 }), (ds, at, e) => {
        const rows = chain(ds);
        const index = at % rows.length;
        const edit = edits[e];
        const target = rows[index];
        if (!edit || !target) return;
        rows[index] = edit(target);
        const violations = checkLedgerChain(accountId, rows);
        expect(violations).toEqual([
          expect.objectContaining({ code: 'ledger_hash_mismatch', ledgerRowId: target.id }),
        ]);
      }),
    );
  });

  it('reports a removed or reordered row as a broken link', () => {
    fc.assert(
      fc.property(
        deltas.filter((ds) => ds.length >= 3),
        fc.nat(),
        (ds, at) => {
          const rows = chain(ds);
          const index = 1 + (at % (rows.length - 2));
          const removed = rows.filter((_, i) => i !== index);
          expect(checkLedgerChain(accountId, removed)).toEqual([
            expect.objectContaining({
              code: 'ledger_chain_broken',
              ledgerRowId: rows[index + 1]?.id,
            }),
          ]);
        },
      ),
    );
  });

  it('does not hash memo or actor (descriptive, not money)', () => {
    const [row] = chain([100]);
    if (!row) throw new Error('no row');
    expect(
      checkLedgerChain(accountId, [
        { ...row, memo: 'changed', actor: 'someone' } as ChainedLedgerRow,
      ]),
    ).toEqual([]);
  });
});
