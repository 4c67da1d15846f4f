import { estimateProviderCost, type ProviderAmount, providerCharge } from '@batchreel/billing';
import type { Prisma } from '@batchreel/db';
import { ratesOf } from '../models/pricing';
import type { ProviderUsage } from '../providers/types';

/** One attempt of one task as it ended at the provider, with what the provider said it cost. */
export interface ProviderCostReport {
  taskId: string;
  /** The task's attempt this was (`video_tasks.attempts` when it was submitted); 1 first. */
  attempt: number;
  /** How the attempt ended at the provider. */
  outcome: 'succeeded' | 'failed' | 'canceled';
  /** The provider's own report from its final status (`JobStatus.usage`), when it sent one. */
  usage?: ProviderUsage | undefined;
}

export type RecordedCost =
  | ({ kind: 'recorded'; source: 'provider' | 'catalogue' } & ProviderAmount)
  /** This attempt's cost was recorded before (a retried or repeated call): nothing written. */
  | { kind: 'already_recorded' }
  | {
      kind: 'nothing_to_record';
      /**
       * `not_charged`: a failed or canceled attempt the provider reported no cost for (providers
       * do not bill those); `no_catalogue_rate`: a success without a report, of a model whose
       * catalogue entry has no provider cost for its size.
       */
      reason: 'not_charged' | 'no_catalogue_rate';
    };

interface TaskForCost {
  batch_id: string;
  account_id: string;
  model: string;
  seconds: number | null;
  size: string | null;
  provider: string;
  provider_cost_per_second: Prisma.JsonValue | null;
  provider_cost_unit: string | null;
}

/**
 * Records what one attempt of a task cost at the provider, in the executor's transaction that
 * records the attempt's end. What the provider reported (`usage.cost`) is recorded as it said,
 * in whole units (decimal money in micro-units, `usd_micros`); without a usable report, a
 * succeeded attempt is recorded at the catalogue's estimate (the model's provider cost per
 * second for the task's size × its seconds). Metered quantities the provider reported are kept
 * beside the figure for support.
 *
 * Exactly once per attempt (`provider_costs` is unique on task and attempt), so calling it again
 * after a crash or a repeated job writes nothing. Reporting only: never a ledger row, and it
 * changes nothing a customer pays.
 *
 * @throws Error if the task does not exist (a caller bug).
 */
export async function recordProviderCost(
  tx: Prisma.TransactionClient,
  report: ProviderCostReport,
): Promise<RecordedCost> {
  const [task] = await tx.$queryRaw<TaskForCost[]>`
    SELECT t.batch_id, t.account_id, t.model, (t.parameters->>'seconds')::int AS seconds,
           t.parameters->>'size' AS size, m.provider, m.provider_cost_per_second, m.provider_cost_unit
      FROM video_tasks t JOIN models m ON m.id = t.model
     WHERE t.id = ${report.taskId}::uuid`;
  if (!task) throw new Error(`no task ${report.taskId} to record a provider cost for`);

  let figure: ({ source: 'provider' | 'catalogue' } & ProviderAmount) | null = null;
  if (report.usage?.cost) {
    const charge = providerCharge(report.usage.cost);
    if (charge.ok) figure = { source: 'provider', ...charge.value };
  }
  if (figure === null) {
    // Providers do not bill a job that failed or was canceled unless they say so.
    if (report.outcome !== 'succeeded') return { kind: 'nothing_to_record', reason: 'not_charged' };
    const rates = ratesOf(task.provider_cost_per_second, `provider cost of ${task.model}`);
    const estimate =
      rates && task.provider_cost_unit && task.seconds !== null && task.size !== null
        ? estimateProviderCost(
            { ratePerSecond: rates, unit: task.provider_cost_unit },
            { seconds: task.seconds, size: task.size },
          )
        : null;
    if (estimate === null) return { kind: 'nothing_to_record', reason: 'no_catalogue_rate' };
    figure = { source: 'catalogue', ...estimate };
  }

  const inserted = await tx.$queryRaw<{ id: bigint }[]>`
    INSERT INTO provider_costs
      (task_id, attempt, batch_id, account_id, model, provider, amount, unit, source, reported)
    VALUES (${report.taskId}::uuid, ${report.attempt}, ${task.batch_id}::uuid,
            ${task.account_id}::uuid, ${task.model}, ${task.provider}, ${BigInt(figure.amount)},
            ${figure.unit}, ${figure.source}::provider_cost_source,
            ${report.usage ? JSON.stringify(report.usage) : null}::jsonb)
    ON CONFLICT (task_id, attempt) DO NOTHING
    RETURNING id`;
  if (inserted.length === 0) return { kind: 'already_recorded' };
  return { kind: 'recorded', ...figure };
}
