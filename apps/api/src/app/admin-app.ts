import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { registerLedgerExports } from '../ledger/export-routes';
import { registerAdminSpa } from './admin-spa';
import { registerAdminTrpc } from './admin-trpc';
import type { ServerDeps } from './server';

/**
 * The admin app's server side: tRPC at `/trpc`, finance's downloads at `/admin/export`, and the
 * built SPA at `/admin`, all on the staff session cookie.
 */
export async function registerAdminApp(app: FastifyInstance, deps: ServerDeps) {
  await app.register(cookie);
  await registerAdminTrpc(app, deps);
  registerLedgerExports(app, deps);
  await registerAdminSpa(app, deps.adminAssetsDir);
}
