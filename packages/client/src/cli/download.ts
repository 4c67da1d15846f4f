import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Task } from '../types';
import type { CommandContext } from './context';
import { n } from './output';

/** Videos downloaded at once. */
const PARALLEL = 4;

const EXTENSIONS: Record<string, string> = {
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'image/svg+xml': '.svg',
};

/** A task's file name: its index, zero-padded, as in the API's ZIP (`00007.mp4`). */
export const videoFileName = (task: Task) =>
  `${String(task.batch_index).padStart(5, '0')}${EXTENSIONS[task.video_content_type ?? ''] ?? '.bin'}`;

async function sha256OfFile(path: string): Promise<string | null> {
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(path), hash);
  } catch {
    return null;
  }
  return hash.digest('hex');
}

export interface DownloadReport {
  downloaded: number;
  /** Already in the folder with the right checksum. */
  present: number;
  /** `index: reason` of each video not kept (checksum mismatch, failed download). */
  mismatched: string[];
  failed: string[];
  /** Tasks whose video is expired or was never stored. */
  unavailable: number;
}

/**
 * Downloads every stored video of `tasks` into `dir` as `<index>.<ext>`, each from its signed
 * link (the API key never goes there), hashing the bytes as they arrive: a file is renamed into
 * place only when its SHA-256 equals the task's `video_sha256`, so what is in the folder is
 * always verified. A file already there with the right checksum is not fetched again (re-runs
 * resume).
 */
export async function downloadVideos(
  ctx: CommandContext,
  tasks: Task[],
  dir: string,
): Promise<DownloadReport> {
  await mkdir(dir, { recursive: true });
  const report: DownloadReport = {
    downloaded: 0,
    present: 0,
    mismatched: [],
    failed: [],
    unavailable: 0,
  };
  const wanted = tasks.filter((task) => task.video_status === 'stored' && task.video_sha256);
  report.unavailable = tasks.filter((t) => t.status === 'succeeded').length - wanted.length;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const task = wanted[next++];
      if (!task) return;
      const target = join(dir, videoFileName(task));
      if ((await sha256OfFile(target)) === task.video_sha256) {
        report.present++;
        continue;
      }
      const partial = join(dir, `.${randomUUID()}.partial`);
      try {
        const { body } = await ctx.client().downloadVideo(task.task_id);
        const hash = createHash('sha256');
        await pipeline(
          Readable.fromWeb(body as WebReadableStream<Uint8Array>),
          new Transform({
            transform(chunk: Buffer, _encoding, done) {
              hash.update(chunk);
              done(null, chunk);
            },
          }),
          createWriteStream(partial),
        );
        const digest = hash.digest('hex');
        if (digest !== task.video_sha256) {
          await rm(partial, { force: true });
          report.mismatched.push(
            `#${task.batch_index}: SHA-256 ${digest} instead of ${task.video_sha256}`,
          );
          continue;
        }
        await rename(partial, target);
        report.downloaded++;
      } catch (error) {
        await rm(partial, { force: true });
        report.failed.push(
          `#${task.batch_index}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, wanted.length) }, worker));
  ctx.io.err(
    `Videos in ${dir}: ${n(report.downloaded)} downloaded, ${n(report.present)} already there (checksums verified)${
      report.unavailable ? `, ${n(report.unavailable)} not available (expired or never kept)` : ''
    }.`,
  );
  return report;
}
