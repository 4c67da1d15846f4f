import { describe, expect, it } from 'vitest';
import { planFreeze, planTaskRefund } from '../src/index';
import type { BatchStatus, TaskStatus } from '../src/status';

describe('planFreeze', () => {
  it('moves a queued batch to processing with one upfront of -required', () => {
    expect(planFreeze({ status: 'queued', requiredCredits: 350, frozenCredits: 0 })).toEqual({
      ok: true,
      value: {
        status: 'processing',
        frozenCredits: 350,
        ledgerEntry: { refType: 'batch_upfront', creditsDelta: -350 },
      },
    });
  });

  it('reports already_frozen on a retry, whatever the status says', () => {
    for (const status of ['queued', 'processing', 'partial'] as const) {
      expect(planFreeze({ status, requiredCredits: 350, frozenCredits: 350 })).toEqual({
        ok: false,
        error: { code: 'already_frozen' },
      });
    }
  });

  it('refuses a batch that is not queued', () => {
    const statuses: BatchStatus[] = ['processing', 'completed', 'partial', 'failed', 'canceled'];
    for (const status of statuses) {
      expect(planFreeze({ status, requiredCredits: 10, frozenCredits: 0 })).toEqual({
        ok: false,
        error: { code: 'not_queued', status },
      });
    }
  });

  it('throws for bad credit figures', () => {
    expect(() => planFreeze({ status: 'queued', requiredCredits: 10.5, frozenCredits: 0 })).toThrow(
      RangeError,
    );
    expect(() => planFreeze({ status: 'queued', requiredCredits: 10, frozenCredits: -1 })).toThrow(
      RangeError,
    );
    expect(() => planFreeze({ status: 'queued', requiredCredits: 0, frozenCredits: 0 })).toThrow(
      RangeError,
    );
  });
});

describe('planTaskRefund', () => {
  it('returns the price of a failed or canceled task', () => {
    for (const status of ['failed', 'canceled'] as const) {
      expect(planTaskRefund({ status, costCredits: 30, refunded: false })).toEqual({
        ok: true,
        value: { refType: 'batch_refund', creditsDelta: 30 },
      });
    }
  });

  it('never refunds a succeeded task, even if marked refunded', () => {
    for (const refunded of [false, true]) {
      expect(planTaskRefund({ status: 'succeeded', costCredits: 30, refunded })).toEqual({
        ok: false,
        error: { code: 'task_succeeded' },
      });
    }
  });

  it('waits for the final outcome', () => {
    const statuses: TaskStatus[] = ['queued', 'running'];
    for (const status of statuses) {
      expect(planTaskRefund({ status, costCredits: 30, refunded: false })).toEqual({
        ok: false,
        error: { code: 'task_not_terminal', status },
      });
    }
  });

  it('refunds a task only once', () => {
    expect(planTaskRefund({ status: 'failed', costCredits: 30, refunded: true })).toEqual({
      ok: false,
      error: { code: 'already_refunded' },
    });
  });

  it('has nothing to refund for a task that cost nothing', () => {
    expect(planTaskRefund({ status: 'canceled', costCredits: 0, refunded: false })).toEqual({
      ok: false,
      error: { code: 'nothing_to_refund' },
    });
  });

  it('throws for a non-integer cost', () => {
    expect(() => planTaskRefund({ status: 'failed', costCredits: 0.1, refunded: false })).toThrow(
      RangeError,
    );
  });
});
