import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * The built admin SPA at `/admin` (client-side routes fall back to its index.html), or a 503
 * saying how to build it.
 */
export async function registerAdminSpa(app: FastifyInstance, assets: string | undefined) {
  if (assets && existsSync(join(assets, 'index.html'))) {
    await app.register(fastifyStatic, { root: assets, prefix: '/admin/', wildcard: false });
    const spa = async (_request: FastifyRequest, reply: FastifyReply) =>
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
