import type { Database } from '@batchreel/db';
import type { Logger } from '../platform/logger';
import type { ObjectStore } from '../platform/object-store';

/** Videos handled per statement; a run goes on until nothing is due (or its bound). */
const SWEEP_ROWS = 500;
/** Pages one run handles at most; the next run (a minute later) takes the rest. */
const MAX_PAGES = 40;
/** Deletions sent to the store at once. */
const PARALLEL_DELETES = 8;

/**
 * The retention sweep (job `video-retention`, every minute): deletes stored videos whose
 * `output_expires_at` has passed from the store, then records `output_deleted_at` (reads say
 * `expired`, with when). The object goes first: a crash in between leaves a row that the next
 * run deletes again (deleting a missing object is fine), never an object nobody will delete.
 * Touches only `video_tasks.output_deleted_at` and the store: never the ledger.
 */
export async function sweepExpiredVideos(
  db: Database,
  store: ObjectStore,
  logger: Logger,
): Promise<{ deleted: number; failed: number }> {
  let deleted = 0;
  let failed = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const due = await db.$queryRaw<{ id: string; output_key: string }[]>`
      SELECT id, output_key FROM video_tasks
       WHERE output_key IS NOT NULL AND output_deleted_at IS NULL AND output_expires_at <= now()
       ORDER BY output_expires_at, id
       LIMIT ${SWEEP_ROWS}`;
    if (due.length === 0) break;
    const gone: string[] = [];
    for (let i = 0; i < due.length; i += PARALLEL_DELETES) {
      const slice = due.slice(i, i + PARALLEL_DELETES);
      const results = await Promise.allSettled(slice.map((row) => store.delete(row.output_key)));
      results.forEach((result, j) => {
        const row = slice[j];
        if (!row) return;
        if (result.status === 'fulfilled') gone.push(row.id);
        else {
          failed++;
          logger.warn({ taskId: row.id, err: result.reason }, 'expired video not deleted yet');
        }
      });
    }
    if (gone.length > 0) {
      deleted += await db.$executeRaw`
        UPDATE video_tasks SET output_deleted_at = now(), updated_at = now()
         WHERE id = ANY(${gone}::uuid[]) AND output_deleted_at IS NULL`;
    }
    // A store that refuses every deletion must not keep this run busy on the same rows.
    if (gone.length === 0 || due.length < SWEEP_ROWS) break;
  }
  if (deleted > 0 || failed > 0) logger.info({ deleted, failed }, 'retention sweep');
  return { deleted, failed };
}
