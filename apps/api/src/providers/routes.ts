import type { Database } from '@batchreel/db';
import type { FastifyInstance } from 'fastify';
import { isUuid } from '../platform/ids';

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c,
  );

/** Breaks a prompt into lines of about `width` characters for the poster. */
function wrap(text: string, width: number, maxLines: number) {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if ((line + word).length > width && line) {
      lines.push(line.trim());
      line = '';
    }
    line += `${word} `;
  }
  if (line.trim()) lines.push(line.trim());
  return lines.slice(0, maxLines);
}

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
    const [w, h] = (size ?? '1280x720').split('x').map(Number) as [number, number];
    const lines = wrap(task.prompt, Math.max(20, Math.round(w / 28)), 6)
      .map((text, i) => `<tspan x="50%" dy="${i === 0 ? 0 : 1.3}em">${escapeXml(text)}</tspan>`)
      .join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#1e3a8a"/><stop offset="1" stop-color="#7c3aed"/></linearGradient></defs>
<rect width="100%" height="100%" fill="url(#g)"/>
<polygon points="${w / 2 - 40},${h * 0.28 - 45} ${w / 2 - 40},${h * 0.28 + 45} ${w / 2 + 50},${h * 0.28}" fill="#ffffff" opacity="0.85"/>
<text x="50%" y="${h * 0.5}" fill="#ffffff" font-family="sans-serif" font-size="${Math.round(w / 32)}" text-anchor="middle">${lines}</text>
<text x="50%" y="${h - 40}" fill="#c7d2fe" font-family="sans-serif" font-size="${Math.round(w / 60)}" text-anchor="middle">Batchreel simulator · ${escapeXml(task.model)} · video #${task.batchIndex}</text>
</svg>`;
    return reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(svg);
  });
}
