import { decideAdmission, ok, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import type { z } from 'zod';
import { checkBudgets } from '../finance/budgets';
import { accountTimeZone } from '../finance/periods';
import { budgetFieldsBody } from '../finance/wire';
import { readAvailability } from '../ledger/availability';
import type { WebhookTargetPolicy } from '../platform/outbound';
import { type AdmissionError, priceBatch, quoteResponseFields } from './admission';
import type { CreateBatchRequest, QuoteResponseSchema } from './schemas';

/**
 * The dry run of admission: the same validation and pricing, the account's current availability,
 * and whether the batch would be admitted. Reads only; creates and reserves nothing.
 */
export async function quoteBatchRequest(
  db: Database,
  accountId: string,
  body: CreateBatchRequest,
  options: WebhookTargetPolicy,
  who: { apiKeyId: string | null } = { apiKeyId: null },
): Promise<Result<z.infer<typeof QuoteResponseSchema>, AdmissionError>> {
  const priced = await priceBatch(db, body, options);
  if (!priced.ok) return priced;
  const availability = await readAvailability(db, accountId);
  const decision = decideAdmission(priced.value.quote, availability);
  const key = who.apiKeyId
    ? await db.apiKey.findFirst({
        where: { id: who.apiKeyId, accountId },
        select: { projectId: true },
      })
    : null;
  const budgets = await checkBudgets(db, {
    accountId,
    timeZone: (await accountTimeZone(db, accountId)) ?? 'UTC',
    who: { apiKeyId: who.apiKeyId, projectId: key?.projectId ?? null },
    quote: priced.value.quote,
  });
  return ok({
    ok: true as const,
    ...quoteResponseFields(priced.value.quote),
    available_credits: availability.availableCredits,
    balance: availability.balance,
    reserved_credits: availability.reservedCredits,
    // Every cap the batch counts against, each saying whether it would be crossed.
    budgets: budgets.evaluations.map((e) => ({
      ...budgetFieldsBody(e.budget),
      period: e.period.month,
      used_credits: e.usedCredits,
      needed_credits: e.needCredits,
      remaining_credits: Math.max(0, e.budget.capCredits - e.usedCredits),
      would_exceed: e.usedCredits + e.needCredits > e.budget.capCredits,
    })),
    would_admit: decision.admitted && budgets.exceeded.length === 0,
    shortfall_credits: Math.max(
      0,
      priced.value.quote.requiredCredits - availability.availableCredits,
    ),
  });
}
