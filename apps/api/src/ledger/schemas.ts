import { LEDGER_REF_TYPES } from '@batchreel/contracts';
import { z } from 'zod';
import { CursorSchema, PageLimitSchema } from '../platform/pages';
import { TimestampSchema } from '../platform/wire';

export const BalanceSchema = z
  .object({
    ok: z.literal(true),
    account_id: z.uuid(),
    account_name: z.string(),
    balance: z.int().meta({ description: 'Σ of the ledger: credits the account holds.' }),
    reserved_credits: z
      .int()
      .meta({ description: 'Held by admitted batches that have not started yet.' }),
    available_credits: z
      .int()
      .meta({ description: 'balance − reserved: what a new batch may spend.' }),
  })
  .meta({ id: 'Balance' });

export const LedgerEntrySchema = z
  .object({
    id: z.string().meta({ description: 'Ledger row id; increases with time.' }),
    ref_type: z.enum(LEDGER_REF_TYPES),
    ref_id: z
      .uuid()
      .meta({ description: 'The batch for batch entries; the grant or correction otherwise.' }),
    task_id: z.uuid().nullable().meta({ description: 'The refunded task, for `batch_refund`.' }),
    credits_delta: z.int().meta({ description: 'Signed, never 0.' }),
    balance_after: z.int(),
    memo: z.string().nullable(),
    created_at: TimestampSchema,
  })
  .meta({ id: 'LedgerEntry' });

export const LedgerPageSchema = z
  .object({
    ok: z.literal(true),
    data: z.array(LedgerEntrySchema).meta({ description: 'Newest first.' }),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  })
  .meta({ id: 'LedgerPage' });

export const LedgerQuerySchema = z.strictObject({
  limit: PageLimitSchema(1000, 100),
  cursor: CursorSchema.optional(),
});
