import { z } from 'zod';
import { financeProcedure, router } from '../trpc/trpc';
import { setCreditValue } from './credit-value';
import { CostReportQuerySchema, CostReportSchema, providerCostReport } from './report';

/** Credits charged against provider cost, and the credit value margins assume (finance). */
export const costsAdminRouter = router({
  report: financeProcedure
    .input(CostReportQuerySchema)
    .output(CostReportSchema)
    .query(({ ctx, input }) => providerCostReport(ctx.db, input)),

  /** What one credit is worth in USD micro-units, for margins (reporting only; audited). */
  setCreditValue: financeProcedure
    .input(z.object({ usdMicrosPerCredit: z.int().min(1).max(1_000_000_000_000) }))
    .output(z.object({ perCredit: z.int(), updatedBy: z.string(), updatedAt: z.date() }))
    .mutation(async ({ ctx, input }) => {
      const value = await setCreditValue(ctx.db, ctx.user, input.usdMicrosPerCredit);
      return { perCredit: value.perCredit, updatedBy: value.updatedBy, updatedAt: value.updatedAt };
    }),
});
