import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LIMITS } from '@batchreel/contracts';
import { Prisma } from '@batchreel/db';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import { stringify } from 'csv-stringify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { resolveSession, SESSION_COOKIE } from '../admin/sessions';
import { registerProviderCostExport } from '../costs/export-route';
import { toApiError } from '../http/error-handler';
import { LedgerFilterSchema, ledgerConditions } from '../ledger/admin-router';
import { buildStatement, keyId, signBytes, signStatement, statementCsv } from '../ledger/statement';
import { isUuid } from '../platform/ids';
import type { ServerDeps } from '../server';
import { createContext } from './context';
import { staffError } from './errors';
import { type AppRouter, appRouter } from './router';
import { hasRole } from './trpc';

/**
 * A header every admin request must carry. A cross-site form or image cannot set a custom header,
 * and a cross-site script cannot without a CORS preflight we never answer, so together with the
 * SameSite=Strict session cookie this makes the admin API CSRF-safe.
 */
export const CSRF_HEADER = 'x-batchreel-admin';

/** tRPC's codes for the refusals the HTTP layer makes before a procedure runs. */
const TRPC_CODES: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/** An error as tRPC serialises it (through superjson), for a refusal tRPC itself never saw. */
export function trpcErrorBody(httpStatus: number, message: string) {
  const code =
    TRPC_CODES[httpStatus] ?? (httpStatus >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
  return {
    error: {
      json: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus } },
    },
  };
}

const checkCsrf = (request: FastifyRequest) => request.headers[CSRF_HEADER] === '1';

/**
 * The admin app's server side: tRPC at `/trpc`, the ledger CSV export, and the built SPA at
 * `/admin` (client-side routes fall back to its index.html).
 */
export async function registerAdminApp(
  app: FastifyInstance,
  deps: ServerDeps & { adminAssetsDir?: string | undefined },
) {
  await app.register(cookie);
  const cookieOptions = (request: FastifyRequest) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: request.protocol === 'https',
  });

  await app.register(async (scope) => {
    // A 10,000-prompt batch created from the admin is as large as one sent to the public API.
    scope.addHook('onRoute', (route) => {
      route.bodyLimit = LIMITS.maxBodyBytes;
    });
    // What Fastify refuses before tRPC sees the request (a body it cannot parse, one too large)
    // is still an answer of the admin API: in tRPC's error shape, which the SPA's client reads.
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      const refusal = toApiError(error);
      if (refusal.status >= 500) request.log.error({ err: error }, 'admin request failed');
      return reply
        .code(refusal.status)
        .headers(refusal.headers)
        .send(trpcErrorBody(refusal.status, refusal.message));
    });
    await scope.register(fastifyTRPCPlugin<AppRouter>, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        createContext: ({ req, res }) => {
          // Refused before any procedure runs, in tRPC's error shape (the SPA shows its message).
          if (!checkCsrf(req)) {
            throw staffError('FORBIDDEN', 'csrf_header_missing', `Missing ${CSRF_HEADER} header.`);
          }
          return createContext({
            db: deps.db,
            queue: deps.queue,
            logger: req.log,
            config: {
              allowPrivateNetworks: deps.config?.allowPrivateNetworks ?? false,
              ownEndpoint: deps.config?.demoWebhookReceiver ?? null,
            },
            sessionToken: req.cookies[SESSION_COOKIE],
            ip: req.ip,
            setSessionCookie: (token, expiresAt) =>
              void res.setCookie(SESSION_COOKIE, token, {
                ...cookieOptions(req),
                expires: expiresAt,
              }),
            clearSessionCookie: () => void res.clearCookie(SESSION_COOKIE, cookieOptions(req)),
          });
        },
        onError: ({ error, path }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR')
            app.log.error({ err: error, path }, 'admin procedure failed');
        },
      },
    });
  });

  /** Downloads are plain GETs authenticated by the session cookie; finance and admin only. */
  async function financeSession(request: FastifyRequest, reply: FastifyReply) {
    const session = await resolveSession(deps.db, request.cookies[SESSION_COOKIE]);
    if (!session) {
      await reply.code(401).send({ error: { message: 'Sign in first.' } });
      return null;
    }
    if (!hasRole(session.user, 'finance')) {
      await reply.code(403).send({ error: { message: 'This needs the finance role.' } });
      return null;
    }
    return session;
  }

  // Signed settlement statements (JSON with an embedded Ed25519 signature; CSV with a detached
  // one in the `X-Batchreel-Signature` header) and the public key that checks them.
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
      const session = await financeSession(request, reply);
      if (!session) return reply;
      const match = /^([0-9a-f-]{36})\.(json|csv)$/i.exec(request.params.file);
      const statement =
        match?.[1] && isUuid(match[1]) ? await buildStatement(deps.db, match[1]) : null;
      if (!match || !statement)
        return reply.code(404).send({ error: { message: 'No such batch.' } });
      request.log.info(
        { staffUserId: session.user.id, batchId: statement.batch_id },
        'statement exported',
      );
      const name = `batchreel-statement-${statement.batch_id}`;
      if (match[2] === 'json') {
        return reply
          .header('content-type', 'application/json; charset=utf-8')
          .header('content-disposition', `attachment; filename="${name}.json"`)
          .send(JSON.stringify(signStatement(statement, statementKey), null, 2));
      }
      const csv = Buffer.from(statementCsv(statement), 'utf8');
      const signature = signBytes(csv, statementKey);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .header('x-batchreel-signature', `ed25519=${signature}`)
        .header('x-batchreel-key-id', keyId(statementPublicKey))
        .send(csv);
    },
  );

  // CSV export for reconciliation: a download, so a plain GET authenticated by the session cookie.
  app.get('/admin/export/ledger.csv', async (request, reply) => {
    const session = await financeSession(request, reply);
    if (!session) return reply;
    const parsed = LedgerFilterSchema.extend({
      from: z.coerce.date().optional(),
      to: z.coerce.date().optional(),
    }).safeParse(request.query);
    if (!parsed.success)
      return reply.code(400).send({ error: { message: z.prettifyError(parsed.error) } });
    const conditions = ledgerConditions(parsed.data);
    const where = conditions.length
      ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}`
      : Prisma.empty;
    const rows = await deps.db.$queryRaw<Record<string, unknown>[]>`
      SELECT l.id::text AS id, l.created_at, l.account_id, a.name AS account_name, l.ref_type::text AS ref_type,
             l.ref_id, l.task_id, l.credits_delta, l.balance_after, l.memo, l.actor
        FROM credit_ledger l JOIN accounts a ON a.id = l.account_id
        ${where}
       ORDER BY l.id`;
    request.log.info(
      { staffUserId: session.user.id, filter: parsed.data, rows: rows.length },
      'ledger exported',
    );
    const csv = stringify(
      rows.map((r) => ({ ...r, created_at: (r.created_at as Date).toISOString() })),
      {
        header: true,
        columns: [
          'id',
          'created_at',
          'account_id',
          'account_name',
          'ref_type',
          'ref_id',
          'task_id',
          'credits_delta',
          'balance_after',
          'memo',
          'actor',
        ],
      },
    );
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="batchreel-ledger-${day}.csv"`)
      .send(csv);
  });

  registerProviderCostExport(app, deps.db, financeSession);

  const assets = deps.adminAssetsDir;
  if (assets && existsSync(join(assets, 'index.html'))) {
    await app.register(fastifyStatic, { root: assets, prefix: '/admin/', wildcard: false });
    const spa = async (_request: FastifyRequest, reply: import('fastify').FastifyReply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', assets);
    app.get('/admin', spa);
    app.get('/admin/*', spa);
  } else {
    app.get('/admin', async (_request, reply) =>
      reply
        .code(503)
        .type('text/plain')
        .send(
          'The admin app is not built: run `pnpm --filter @batchreel/admin build` (pnpm start does).',
        ),
    );
  }
}
