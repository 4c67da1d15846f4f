import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { StaffGuard } from '../http/staff-guard';
import { isUuid } from '../platform/ids';
import { LedgerFilterSchema, ledgerCsv } from './admin-queries';
import { buildStatement, keyId, signBytes, signStatement, statementCsv } from './statement';

/** The CSV export's filter from a query string: dates as text. */
const LedgerCsvQuery = LedgerFilterSchema.extend({
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

/**
 * Finance's downloads under `/admin/export`: the ledger as CSV for reconciliation, and signed
 * settlement statements (JSON with an embedded Ed25519 signature; CSV with a detached one in the
 * `X-Batchreel-Signature` header) with the public key that checks them. Plain GETs (a link the
 * browser downloads), authenticated by the admin session cookie; finance and admin only.
 */
export function registerLedgerExports(
  app: FastifyInstance,
  deps: { db: Database; statementKey?: KeyObject | undefined },
  financeSession: StaffGuard,
) {
  const statementKey = deps.statementKey ?? generateKeyPairSync('ed25519').privateKey;
  const statementPublicKey = createPublicKey(statementKey);
  app.get('/admin/export/statement-public-key.pem', async (request, reply) => {
    if (!(await financeSession(request, reply))) return reply;
    return reply
      .header('content-type', 'application/x-pem-file')
      .header('x-batchreel-key-id', keyId(statementPublicKey))
      .send(statementPublicKey.export({ type: 'spki', format: 'pem' }));
  });

  app.get<{ Params: { file: string } }>(
    '/admin/export/statements/:file',
    async (request, reply) => {
      const user = await financeSession(request, reply);
      if (!user) return reply;
      const match = /^([0-9a-f-]{36})\.(json|csv)$/i.exec(request.params.file);
      const statement =
        match?.[1] && isUuid(match[1]) ? await buildStatement(deps.db, match[1]) : null;
      if (!match || !statement)
        return reply.code(404).send({ error: { message: 'No such batch.' } });
      request.log.info({ staffUserId: user.id, batchId: statement.batch_id }, 'statement exported');
      const name = `batchreel-statement-${statement.batch_id}`;
      if (match[2] === 'json') {
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.json"`)
          .send(JSON.stringify(signStatement(statement, statementKey), null, 2));
      }
      const csv = Buffer.from(statementCsv(statement), 'utf8');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .header('x-batchreel-signature', `ed25519=${signBytes(csv, statementKey)}`)
        .header('x-batchreel-key-id', keyId(statementPublicKey))
        .send(csv);
    },
  );

  app.get('/admin/export/ledger.csv', async (request, reply) => {
    const user = await financeSession(request, reply);
    if (!user) return reply;
    const filter = LedgerCsvQuery.safeParse(request.query);
    if (!filter.success)
      return reply.code(400).send({ error: { message: z.prettifyError(filter.error) } });
    const { csv, rows } = await ledgerCsv(deps.db, filter.data);
    request.log.info({ staffUserId: user.id, filter: filter.data, rows }, 'ledger exported');
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="batchreel-ledger-${day}.csv"`)
      .send(csv);
  });
}
