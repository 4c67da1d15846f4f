// Runs a batch through the library the way the API and worker do (quote, admit, freeze, refund
// every failed/canceled task, settle) and records the ledger rows a database would hold.

import type { LedgerRow } from '../../src/account-ledger';
import type { BatchLedgerView, TaskLedgerView } from '../../src/batch-ledger';
import type { ModelPrice } from '../../src/index';
import {
  decideAdmission,
  planFreeze,
  planTaskRefund,
  quoteBatch,
  settleBatch,
} from '../../src/index';
import { planLedgerEntry } from '../../src/ledger';
import type { Settlement } from '../../src/settlement';
import type { BatchStatus, LedgerRefType, TaskStatus } from '../../src/status';

export type Outcome = 'succeeded' | 'failed' | 'canceled';

export interface ScenarioInput {
  /** Prices of the models in the catalogue; model `m<i>` costs `modelPrices[i]`. */
  modelPrices: readonly number[];
  /** Per item: which model (index into `modelPrices`, taken modulo) and its final outcome. */
  items: readonly { model: number; outcome: Outcome }[];
  cancelRequested: boolean;
  /** Cancel arrived before the worker froze the batch: every task is canceled, nothing moves. */
  canceledBeforeFreeze: boolean;
  /** Credits granted on top of what the batch requires. */
  spareCredits: number;
}

export interface Scenario {
  account: { id: string; balance: number };
  batch: BatchLedgerView;
  tasks: TaskLedgerView[];
  /** The account's whole ledger, in order. */
  rows: LedgerRow[];
  /** The rows whose ref is the batch. */
  batchRows: LedgerRow[];
  settlement: Settlement;
  cancelRequested: boolean;
}

export const ACCOUNT_ID = 'acct-1';
export const BATCH_ID = 'batch-1';

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: unknown }): T {
  if (!result.ok) {
    throw new Error(`unexpected refusal: ${JSON.stringify(result.error)}`);
  }
  return result.value;
}

/** An append-only ledger that only accepts what `planLedgerEntry` accepts. */
export class TestLedger {
  readonly rows: LedgerRow[] = [];
  balance = 0;

  append(
    refType: LedgerRefType,
    creditsDelta: number,
    refId: string,
    taskId: string | null = null,
  ) {
    const entry = unwrap(planLedgerEntry(this.balance, { refType, creditsDelta }));
    const row: LedgerRow = {
      id: BigInt(this.rows.length + 1),
      accountId: ACCOUNT_ID,
      refType,
      refId,
      taskId,
      creditsDelta,
      balanceAfter: entry.balanceAfter,
    };
    this.rows.push(row);
    this.balance = entry.balanceAfter;
    return row;
  }
}

export function runScenario(input: ScenarioInput): Scenario {
  const prices: ModelPrice[] = input.modelPrices.map((priceCredits, i) => ({
    model: `m${i}`,
    priceCredits,
    enabled: true,
  }));
  const items = input.items.map((item) => ({ model: `m${item.model % prices.length}` }));
  const quote = unwrap(quoteBatch(items, prices));

  const ledger = new TestLedger();
  ledger.append('topup', quote.requiredCredits + input.spareCredits, 'grant-1');
  const admission = decideAdmission(quote, { balance: ledger.balance, reservedCredits: 0 });
  if (!admission.admitted) {
    throw new Error('scenario account cannot afford its batch');
  }

  const cancelRequested = input.cancelRequested || input.canceledBeforeFreeze;
  const tasks: TaskLedgerView[] = input.items.map((item, i) => ({
    id: `task-${i}`,
    status: outcomeOf(item.outcome, input),
    costCredits: quote.itemPrices[i] ?? Number.NaN,
  }));

  let status: BatchStatus = 'queued';
  let frozenCredits = 0;
  if (input.canceledBeforeFreeze) {
    status = 'canceled';
    const refused = planFreeze({ status, requiredCredits: quote.requiredCredits, frozenCredits });
    if (refused.ok) {
      throw new Error('a batch canceled before pickup must not freeze');
    }
  } else {
    const freeze = unwrap(
      planFreeze({ status, requiredCredits: quote.requiredCredits, frozenCredits }),
    );
    ledger.append(freeze.ledgerEntry.refType, freeze.ledgerEntry.creditsDelta, BATCH_ID);
    status = freeze.status;
    frozenCredits = freeze.frozenCredits;
    for (const task of tasks) {
      const refund = planTaskRefund({
        status: task.status,
        costCredits: task.costCredits,
        refunded: false,
      });
      if (refund.ok) {
        ledger.append(refund.value.refType, refund.value.creditsDelta, BATCH_ID, task.id);
      }
    }
  }

  const batchRows = ledger.rows.filter((row) => row.refId === BATCH_ID);
  const refundedCredits = batchRows
    .filter((row) => row.refType === 'batch_refund')
    .reduce((sum, row) => sum + row.creditsDelta, 0);
  const settlement = unwrap(
    settleBatch({
      requiredCredits: quote.requiredCredits,
      frozenCredits,
      totalCount: quote.totalCount,
      cancelRequested,
      tasks,
      refundedCredits,
    }),
  );

  return {
    account: { id: ACCOUNT_ID, balance: ledger.balance },
    batch: {
      id: BATCH_ID,
      accountId: ACCOUNT_ID,
      status: settlement.status,
      settlementStatus: settlement.settlementStatus,
      requiredCredits: quote.requiredCredits,
      frozenCredits,
      creditsSpent: settlement.creditsSpent,
      refundedCredits: settlement.refundedCredits,
      successCount: settlement.successCount,
      failedCount: settlement.failedCount,
      canceledCount: settlement.canceledCount,
    },
    tasks,
    rows: ledger.rows,
    batchRows,
    settlement,
    cancelRequested,
  };
}

function outcomeOf(outcome: Outcome, input: ScenarioInput): TaskStatus {
  if (input.canceledBeforeFreeze) {
    return 'canceled';
  }
  // Without a cancel request nothing is canceled; the generated outcome becomes a failure.
  if (outcome === 'canceled' && !input.cancelRequested) {
    return 'failed';
  }
  return outcome;
}

/** Recomputes every `balanceAfter` as the running sum, for mutations that should only trip one rule. */
export function rechain(rows: readonly LedgerRow[]): LedgerRow[] {
  let balance = 0;
  return rows.map((row) => {
    balance += row.creditsDelta;
    return { ...row, balanceAfter: balance };
  });
}
