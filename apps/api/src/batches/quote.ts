import { decideAdmission, ok, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import type { z } from 'zod';
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
): Promise<Result<z.infer<typeof QuoteResponseSchema>, AdmissionError>> {
  const priced = await priceBatch(db, body, options);
  if (!priced.ok) return priced;
  const availability = await readAvailability(db, accountId);
  const decision = decideAdmission(priced.value.quote, availability);
  return ok({
    ok: true as const,
    ...quoteResponseFields(priced.value.quote),
    available_credits: availability.availableCredits,
    balance: availability.balance,
    reserved_credits: availability.reservedCredits,
    would_admit: decision.admitted,
    shortfall_credits: Math.max(
      0,
      priced.value.quote.requiredCredits - availability.availableCredits,
    ),
  });
}
