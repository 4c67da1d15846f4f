import { Readable } from 'node:stream';
import type { Database } from '@batchreel/db';
import { taskVideoUrl } from '../batches/links';
import { type StoredVideo, storedVideoOf } from '../batches/read';
import { videoStatusOf } from '../batches/wire';
import { isoTimeOrNull } from '../platform/wire';
import { zipEntryName } from './zip-names';

/** Rows read per query: memory stays flat however many tasks a batch has. */
const PAGE_ROWS = 1000;

/** The manifest's columns, in order (CSV header, JSON Lines keys). */
export const MANIFEST_COLUMNS = [
  'index',
  'task_id',
  'prompt',
  'model',
  'status',
  'error_code',
  'error',
  'url',
  'sha256',
  'size_bytes',
  'video_status',
  'expires_at',
  'file',
] as const;

export type ManifestRow = Record<(typeof MANIFEST_COLUMNS)[number], string | number | null>;

export interface ManifestTask {
  id: string;
  batchIndex: number;
  status: string;
  video: StoredVideo | null;
}

/**
 * A batch's tasks in request order, one page of rows at a time (keyset on `batch_index`), for
 * streamed downloads. `only`: just the tasks whose video is kept (the ZIP).
 */
export async function* batchTaskPages(
  db: Database,
  batchId: string,
  only: 'all' | 'stored' = 'all',
) {
  let after = -1;
  for (;;) {
    const rows = await db.videoTask.findMany({
      where: {
        batchId,
        batchIndex: { gt: after },
        ...(only === 'stored' ? { outputKey: { not: null }, outputDeletedAt: null } : {}),
      },
      orderBy: { batchIndex: 'asc' },
      take: PAGE_ROWS,
    });
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]?.batchIndex ?? after;
    if (rows.length < PAGE_ROWS) return;
  }
}

/** The manifest's rows, streamed page by page. */
export async function* manifestRows(
  db: Database,
  batchId: string,
  baseUrl: string,
): AsyncGenerator<ManifestRow> {
  for await (const page of batchTaskPages(db, batchId)) {
    for (const task of page) {
      const video = storedVideoOf(task);
      const videoStatus = videoStatusOf({ status: task.status, video, videoUrl: task.videoUrl });
      const stored = videoStatus === 'stored' && video;
      yield {
        index: task.batchIndex,
        task_id: task.id,
        prompt: task.prompt,
        model: task.model,
        status: task.status,
        error_code: task.errorCode,
        error: task.errorMessage,
        url: stored
          ? taskVideoUrl(baseUrl, task.id)
          : videoStatus === 'external'
            ? task.videoUrl
            : null,
        sha256: video?.sha256 ?? null,
        size_bytes: video?.sizeBytes ?? null,
        video_status: videoStatus,
        expires_at: isoTimeOrNull(video?.expiresAt),
        file: stored ? zipEntryName(task.batchIndex, video.contentType) : null,
      };
    }
  }
}

/** RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const CHUNK_ROWS = 200;

/** The manifest as CSV (header first), streamed. */
export function manifestCsvStream(rows: AsyncIterable<ManifestRow>): Readable {
  return Readable.from(
    (async function* () {
      yield `${MANIFEST_COLUMNS.join(',')}\r\n`;
      let chunk: string[] = [];
      for await (const row of rows) {
        chunk.push(MANIFEST_COLUMNS.map((column) => csvField(row[column])).join(','));
        if (chunk.length >= CHUNK_ROWS) {
          yield `${chunk.join('\r\n')}\r\n`;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield `${chunk.join('\r\n')}\r\n`;
    })(),
    { objectMode: false },
  );
}

/** The manifest as JSON Lines, streamed. */
export function manifestJsonlStream(rows: AsyncIterable<ManifestRow>): Readable {
  return Readable.from(
    (async function* () {
      let chunk: string[] = [];
      for await (const row of rows) {
        chunk.push(JSON.stringify(row));
        if (chunk.length >= CHUNK_ROWS) {
          yield `${chunk.join('\n')}\n`;
          chunk = [];
        }
      }
      if (chunk.length > 0) yield `${chunk.join('\n')}\n`;
    })(),
    { objectMode: false },
  );
}
