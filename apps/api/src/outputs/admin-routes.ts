import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import type { StaffGuard } from '../http/staff-guard';
import type { Storage } from '../platform/object-store';
import { videoLink } from './delivery';

/**
 * The admin's player: `GET /admin/videos/{task_id}` on the staff session cookie (support and up)
 * redirects to a signed download of any account's stored video, so a `<video>` element can play
 * it (a browser cannot send an API key). Each view is logged with the staff member.
 */
export function registerAdminVideoRoute(
  app: FastifyInstance,
  deps: { db: Database; storage: Storage },
  supportSession: StaffGuard,
) {
  app.get<{ Params: { taskId: string } }>('/admin/videos/:taskId', async (request, reply) => {
    const user = await supportSession(request, reply);
    if (!user) return reply;
    const link = await videoLink(
      deps.db,
      deps.storage,
      { accountId: null },
      request.params.taskId,
      `${request.protocol}://${request.host}`,
    );
    if (link.kind !== 'link') {
      const status = link.kind === 'expired' ? 410 : 404;
      return reply.code(status).send({ error: { message: `No stored video (${link.kind}).` } });
    }
    request.log.info({ staffUserId: user.id, taskId: link.taskId }, 'video viewed from the admin');
    return reply.code(302).header('location', link.url).header('cache-control', 'no-store').send();
  });
}
