import { LEDGER_REF_TYPES } from '@batchreel/contracts';
import { z } from 'zod';
import { modelSummaries } from '../models/queries';
import { ModelSummarySchema } from '../models/schemas';
import { listAuditLog } from '../staff/audit-log';
import { CursorInput, LimitInput, pageOutput, unknownCursor } from '../trpc/pages';
import { financeProcedure, router, supportProcedure } from '../trpc/trpc';
import { LedgerFilterSchema, ledgerDashboard, listLedgerEntries } from './admin-queries';
import { checkIntegrity, INTEGRITY_CHECKS } from './integrity';

const LedgerEntrySchema = z.object({
  id: z.string(),
  accountId: z.uuid(),
  accountName: z.string(),
  refType: z.enum(LEDGER_REF_TYPES),
  refId: z.uuid(),
  taskId: z.uuid().nullable(),
  /** The refunded task's 0-based `batch_index` (refunds only; memos are rendered from it in the
   * reader's language). */
  taskIndex: z.int().nullable(),
  creditsDelta: z.int(),
  balanceAfter: z.int(),
  memo: z.string().nullable(),
  actor: z.string(),
  createdAt: z.date(),
  /** The hash chain (docs/ledger.md): shown when a row is expanded. */
  prevHash: z.string().nullable(),
  rowHash: z.string().nullable(),
});

const DAY_SERIES_MAX = 366;

export const ledgerAdminRouter = router({
  /** The ledger explorer: newest first, keyset on the ledger id. */
  list: financeProcedure
    .input(LedgerFilterSchema.extend({ limit: LimitInput(500, 50), cursor: CursorInput }))
    .output(pageOutput(LedgerEntrySchema).extend({ sum: z.int() }))
    .query(async ({ ctx, input }) => {
      const page = await listLedgerEntries(ctx.db, input);
      if (page === 'bad_cursor') throw unknownCursor();
      return page;
    }),

  /** Dashboard: credits spent vs refunded per day, task outcomes per day, failure reasons. */
  dashboard: financeProcedure
    .input(
      z.object({
        days: z.int().min(1).max(DAY_SERIES_MAX).default(30),
        accountId: z.uuid().optional(),
      }),
    )
    .output(
      z.object({
        days: z.array(
          z.object({
            day: z.string(),
            frozen: z.int(),
            refunded: z.int(),
            spent: z.int(),
            succeeded: z.int(),
            failed: z.int(),
          }),
        ),
        failureReasons: z.array(z.object({ code: z.string(), count: z.int() })),
        totals: z.object({
          succeeded: z.int(),
          failed: z.int(),
          canceled: z.int(),
          spent: z.int(),
          refunded: z.int(),
        }),
      }),
    )
    .query(({ ctx, input }) => ledgerDashboard(ctx.db, input)),

  /** The integrity view: every docs/product.md §5 invariant over the whole database. */
  integrity: financeProcedure
    .output(
      z.object({
        checkedAt: z.date(),
        accounts: z.int(),
        batches: z.int(),
        ledgerRows: z.int(),
        checks: z.array(
          z.object({ key: z.enum(INTEGRITY_CHECKS), checked: z.int(), violations: z.int() }),
        ),
        violations: z.array(
          z.object({
            code: z.string(),
            message: z.string(),
            ledgerRowId: z.string().optional(),
            taskId: z.string().optional(),
            batchId: z.string().optional(),
            accountId: z.string().optional(),
          }),
        ),
      }),
    )
    .query(({ ctx }) => checkIntegrity(ctx.db)),

  /** The audit log (finance and admin), newest first. */
  audit: financeProcedure
    .input(
      z.object({
        targetId: z.string().max(100).optional(),
        limit: LimitInput(200, 50),
        cursor: CursorInput,
      }),
    )
    .output(
      pageOutput(
        z.object({
          id: z.string(),
          actor: z.string(),
          action: z.string(),
          targetType: z.string(),
          targetId: z.string(),
          before: z.unknown(),
          after: z.unknown(),
          createdAt: z.date(),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const page = await listAuditLog(ctx.db, input);
      if (page === 'bad_cursor') throw unknownCursor();
      return page;
    }),

  /** Models and prices (read for everyone signed in; the catalogue is not secret). */
  models: supportProcedure
    .output(z.array(ModelSummarySchema))
    .query(({ ctx }) => modelSummaries(ctx.db)),
});
