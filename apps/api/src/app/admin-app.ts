import type { KeyObject } from 'node:crypto';
import type { Database } from '@batchreel/db';
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { registerProviderCostExport } from '../costs/export-routes';
import { registerMonthlyStatementExports } from '../finance/export-routes';
import type { StaffGuard } from '../http/staff-guard';
import { registerLedgerExports } from '../ledger/export-routes';
import { registerAdminVideoRoute } from '../outputs/admin-routes';
import type { Storage } from '../platform/object-store';
import { SESSION_COOKIE, sessionWithRole } from '../staff/sessions';
import { registerAdminSpa } from './admin-spa';
import { registerAdminTrpc } from './admin-trpc';
import type { ServerDeps } from './server';

/**
 * The admin app's server side: tRPC at `/trpc`, finance's downloads at `/admin/export`, and the
 * built SPA at `/admin`, all on the staff session cookie.
 */
export async function registerAdminApp(
  app: FastifyInstance,
  deps: ServerDeps & { storage: Storage; statementKey: KeyObject },
) {
  await app.register(cookie);
  await registerAdminTrpc(app, deps);
  registerAdminVideoRoute(app, deps, roleGuard(deps.db, 'support'));
  const financeSession = roleGuard(deps.db, 'finance');
  registerLedgerExports(app, deps, financeSession);
  registerMonthlyStatementExports(app, deps, financeSession);
  registerProviderCostExport(app, deps.db, financeSession);
  await registerAdminSpa(app, deps.adminAssetsDir);
}

/** Finance's downloads and the admin's player are plain GETs on the session cookie. */
function roleGuard(db: Database, role: 'support' | 'finance'): StaffGuard {
  return async (request, reply) => {
    const session = await sessionWithRole(db, request.cookies[SESSION_COOKIE], role);
    if (session.ok) return session.value;
    if (session.error.code === 'sign_in_first') {
      await reply.code(401).send({ error: { message: 'Sign in first.' } });
    } else {
      await reply.code(403).send({ error: { message: `This needs the ${role} role.` } });
    }
    return null;
  };
}
