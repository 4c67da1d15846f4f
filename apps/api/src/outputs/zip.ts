import type { Readable } from 'node:stream';
import type { Database } from '@batchreel/db';
import { ZipFile } from 'yazl';
import { storedVideoOf } from '../batches/read';
import type { Storage } from '../platform/object-store';
import { batchTaskPages, manifestCsvStream, manifestRows } from './manifest';
import { zipEntryName } from './zip-names';

/**
 * A batch's stored videos as one ZIP, streamed (yazl): entries are added a page of tasks at a
 * time, and each video is opened from the store only when the ZIP reaches it, so memory holds one
 * page of rows and one video's buffers however many videos there are (the ZIP's central
 * directory, a few dozen bytes per entry, is the only part that grows). Videos are stored, not
 * compressed: they are compressed already. The manifest (CSV) is the last entry.
 */
export function batchZip(
  db: Database,
  storage: Storage,
  batchId: string,
  baseUrl: string,
): Readable {
  const zip = new ZipFile();
  const output = zip.outputStream as Readable;
  let closed = false;
  const waiters = new Set<() => void>();
  output.once('close', () => {
    closed = true;
    for (const wake of waiters) wake();
  });

  const fill = async () => {
    for await (const page of batchTaskPages(db, batchId, 'stored')) {
      if (closed) return;
      // Resolves when the ZIP asks for the page's last video: then the next page is read.
      let reached: Promise<void> = Promise.resolve();
      const stored = page.flatMap((task) => {
        const video = storedVideoOf(task);
        return video ? [{ index: task.batchIndex, video }] : [];
      });
      stored.forEach(({ index, video }, i) => {
        let reachedNow: (() => void) | null = null;
        if (i === stored.length - 1) {
          reached = new Promise<void>((resolve) => {
            reachedNow = resolve;
            waiters.add(resolve);
          });
        }
        // yazl keeps every entry until it writes the central directory at the end, with the
        // function that opens the entry's stream: that function holds the key and index only
        // (never the task row), and is dropped once it has run, so what stays per video is
        // yazl's own record of a few hundred bytes.
        const { key } = video;
        // Set right after adding; undefined when yazl runs the function at once (the first entry).
        let entry: { doFileDataPump: unknown } | undefined;
        zip.addReadStreamLazy(
          zipEntryName(index, video.contentType),
          { compress: false, size: video.sizeBytes, mtime: video.storedAt },
          (done) => {
            if (entry) entry.doFileDataPump = null;
            if (reachedNow) {
              waiters.delete(reachedNow);
              reachedNow();
            }
            storage.store
              .get(key)
              .then((object) => {
                if (!object) throw new Error(`the video of task #${index} is gone`);
                done(null, object.body);
              })
              .catch((error: unknown) => done(error, undefined as unknown as Readable));
          },
        );
        entry = (zip as unknown as { entries: { doFileDataPump: unknown }[] }).entries.at(-1);
      });
      await reached;
    }
    if (closed) return;
    zip.addReadStreamLazy('manifest.csv', { mtime: new Date() }, (done) =>
      done(null, manifestCsvStream(manifestRows(db, batchId, baseUrl))),
    );
    zip.end();
  };
  zip.on('error', (error: Error) => output.destroy(error));
  fill().catch((error: unknown) => output.destroy(error as Error));
  return output;
}
