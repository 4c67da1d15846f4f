import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import { isUuid } from '../platform/ids';
import { simulatorPoster } from './poster';

/**
 * What a simulated video "is": a poster (SVG, any browser shows it) with the task's prompt, at
 * the `video_url` the simulator returns. The unguessable task id in the URL is the capability,
 * as with a provider's signed download link.
 */
export function registerSimulatorRoutes(app: FastifyInstance, db: Database) {
  app.get<{ Params: { file: string } }>('/simulator/videos/:file', async (request, reply) => {
    const taskId = request.params.file.replace(/\.svg$/, '');
    const task = isUuid(taskId)
      ? await db.videoTask.findUnique({
          where: { id: taskId },
          select: { prompt: true, model: true, parameters: true, batchIndex: true },
        })
      : null;
    if (!task) return reply.code(404).type('text/plain').send('No such video.');
    const { size } = task.parameters as { size?: string };
    const svg = simulatorPoster({
      prompt: task.prompt,
      model: task.model,
      size,
      batchIndex: task.batchIndex,
    });
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(svg);
  });
}
