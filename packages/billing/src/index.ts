/**
 * `@batchreel/billing`: every money rule of Batchreel, once, as pure functions.
 *
 * No I/O: callers load rows, call these functions, and write what they plan in their own
 * transactions. Credits are safe integers; business refusals are `Result` values; only
 * programmer errors throw.
 *
 * @packageDocumentation
 */

export type { LedgerRow } from './account-ledger';
export { checkAccountLedger } from './account-ledger';
export type { AdmissionDecision } from './admission';
export { availableCredits, decideAdmission, reservedCreditsOf } from './admission';
export type { BatchLedgerView, TaskLedgerView } from './batch-ledger';
export { checkBatchLedger } from './batch-ledger';
export type { BatchMoney, BatchMoneyInput } from './batch-money';
export { batchMoney } from './batch-money';
export { addCredits, assertCredits, assertPositiveCredits, assertSafeInteger } from './credits';
export type { FreezeError, FreezePlan } from './freeze';
export { planFreeze } from './freeze';
export type {
  DeltaSign,
  LedgerEntryDraft,
  LedgerEntryError,
  PlannedLedgerEntry,
} from './ledger';
export { expectedDeltaSign, hasValidDeltaSign, planLedgerEntry } from './ledger';
export type { ChainedLedgerRow } from './ledger-chain';
export {
  canonicalLedgerRow,
  chainHead,
  checkLedgerChain,
  genesisHash,
  ledgerRowHash,
} from './ledger-chain';
export type {
  ModelPrice,
  ModelProblem,
  PriceList,
  Quote,
  QuoteError,
  QuoteLine,
} from './quote';
export { indexPrices, quoteBatch } from './quote';
export type { RefundError, RefundPlan } from './refund';
export { planTaskRefund } from './refund';
export type { Result } from './result';
export { err, ok } from './result';
export type { Settlement, SettlementError, SettlementInput } from './settlement';
export { finalBatchStatus, settleBatch } from './settlement';
export type {
  BatchStatus,
  FinalBatchStatus,
  LedgerRefType,
  SettlementStatus,
  TaskStatus,
} from './status';
export {
  isFinalBatchStatus,
  isRefundableTaskStatus,
  isTerminalTaskStatus,
  REFUNDABLE_TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
} from './status';
export type { Violation, ViolationCode, ViolationRefs } from './violation';
export { VIOLATION_CODES, violation } from './violation';
