import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import type { StaffGuard } from '../http/staff-guard';
import { keyId, signBytes } from '../ledger/statement';
import { isUuid } from '../platform/ids';
import { buildMonthlyStatement, signMonthlyStatement } from './monthly-statement';
import { monthlyStatementCsv } from './statement-csv';
import { monthlyStatementPdf } from './statement-pdf';

const FILE = /^(\d{4}-(?:0[1-9]|1[0-2]))\.(json|csv|pdf)$/;

/**
 * Finance's downloads of monthly statements in the admin app:
 * `/admin/export/monthly-statements/<account_id>/<YYYY-MM>.json|csv|pdf` (`?lang=zh-CN` for a
 * Chinese PDF). The same documents and signatures as the public API's `/statements/{month}`.
 */
export function registerMonthlyStatementExports(
  app: FastifyInstance,
  deps: { db: Database; statementKey: KeyObject },
  financeSession: StaffGuard,
) {
  const publicKeyId = keyId(createPublicKey(deps.statementKey));
  app.get<{ Params: { accountId: string; file: string }; Querystring: { lang?: string } }>(
    '/admin/export/monthly-statements/:accountId/:file',
    async (request, reply) => {
      const user = await financeSession(request, reply);
      if (!user) return reply;
      const match = FILE.exec(request.params.file);
      const month = match?.[1];
      const statement =
        month && isUuid(request.params.accountId)
          ? await buildMonthlyStatement(deps.db, request.params.accountId, month)
          : 'account_not_found';
      if (!match || typeof statement === 'string')
        return reply.code(404).send({ error: { message: 'No such statement.' } });
      request.log.info(
        { staffUserId: user.id, accountId: statement.account_id, month: statement.month },
        'monthly statement exported',
      );
      const signed = signMonthlyStatement(statement, deps.statementKey);
      const name = `batchreel-statement-${statement.account_id}-${statement.month}`;
      if (match[2] === 'json') {
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.json"`)
          .send(JSON.stringify(signed, null, 2));
      }
      const bytes =
        match[2] === 'csv'
          ? Buffer.from(monthlyStatementCsv(statement), 'utf8')
          : await monthlyStatementPdf(signed, request.query.lang === 'zh-CN' ? 'zh-CN' : 'en');
      return reply
        .header('content-type', match[2] === 'csv' ? 'text/csv; charset=utf-8' : 'application/pdf')
        .header('content-disposition', `attachment; filename="${name}.${match[2]}"`)
        .header('x-batchreel-signature', `ed25519=${signBytes(bytes, deps.statementKey)}`)
        .header('x-batchreel-key-id', publicKeyId)
        .send(bytes);
    },
  );
}
