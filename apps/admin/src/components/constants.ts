import type { RouterOutputs } from '../trpc';

type BatchStatus = RouterOutputs['batches']['list']['items'][number]['status'];
type TaskStatus = RouterOutputs['batches']['tasks']['items'][number]['status'];
type RefType = RouterOutputs['ledger']['list']['items'][number]['refType'];
type DeliveryStatus = RouterOutputs['webhooks']['list']['items'][number]['status'];

// The server's enums, listed for filters. `satisfies` keeps them within the server's types;
// the Record checks below make sure none is missing.
export const BATCH_STATUSES = [
  'queued',
  'processing',
  'completed',
  'partial',
  'failed',
  'canceled',
] as const satisfies readonly BatchStatus[];
export const TASK_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'canceled',
] as const satisfies readonly TaskStatus[];
export const REF_TYPES = [
  'topup',
  'batch_upfront',
  'batch_refund',
  'adjustment',
] as const satisfies readonly RefType[];
export const DELIVERY_STATUSES = [
  'pending',
  'delivered',
  'failed',
] as const satisfies readonly DeliveryStatus[];

type Exhaustive<All extends string, Listed extends readonly string[]> =
  Exclude<All, Listed[number]> extends never ? true : never;
const _checks: [
  Exhaustive<BatchStatus, typeof BATCH_STATUSES>,
  Exhaustive<TaskStatus, typeof TASK_STATUSES>,
  Exhaustive<RefType, typeof REF_TYPES>,
  Exhaustive<DeliveryStatus, typeof DELIVERY_STATUSES>,
] = [true, true, true, true];
void _checks;
