import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StaffGuard } from '../http/staff-guard';
import { costReportCsv } from './csv';
import { CostReportQuerySchema, providerCostReport } from './report';

/**
 * `GET /admin/export/provider-costs.csv?groupBy=day|model|batch&from=&to=&accountId=`: the cost
 * report as a download, for finance (the session cookie, checked by `financeSession`). Every
 * batch of the period, where the screen shows the newest 500.
 */
export function registerProviderCostExport(
  app: FastifyInstance,
  db: Database,
  financeSession: StaffGuard,
) {
  app.get('/admin/export/provider-costs.csv', async (request, reply) => {
    const session = await financeSession(request, reply);
    if (!session) return reply;
    const parsed = z
      .object({
        groupBy: z.string(),
        from: z.coerce.date(),
        to: z.coerce.date(),
        accountId: z.string().optional(),
      })
      .pipe(CostReportQuerySchema)
      .safeParse(request.query);
    if (!parsed.success)
      return reply.code(400).send({ error: { message: z.prettifyError(parsed.error) } });
    const report = await providerCostReport(db, parsed.data, { batchLimit: null });
    request.log.info(
      { staffUserId: session.id, query: parsed.data, rows: report.rows.length },
      'provider costs exported',
    );
    const from = parsed.data.from.toISOString().slice(0, 10);
    const to = parsed.data.to.toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="batchreel-provider-costs-${parsed.data.groupBy}-${from}-${to}.csv"`,
      )
      .send(costReportCsv(report));
  });
}
