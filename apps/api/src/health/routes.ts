import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import type { Queue } from '../platform/queue';

const CHECK_TIMEOUT_MS = 2000;

async function check(probe: () => Promise<unknown>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz`: the process is up (for restarts). `GET /readyz`: the database and the queue answer
 * (for load balancers: send traffic only when 200).
 */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: Database; queue: Queue }) {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const [database, queue] = await Promise.all([
      check(() => deps.db.$queryRaw`SELECT 1`),
      check(() => deps.queue.getQueues()),
    ]);
    const ready = database === 'ok' && queue === 'ok';
    if (!ready) reply.code(503);
    return { ok: ready, checks: { database, queue } };
  });
}
