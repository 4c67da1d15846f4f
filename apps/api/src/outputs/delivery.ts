import type { Database } from '@batchreel/db';
import { type StoredVideo, storedVideoOf } from '../batches/read';
import { isUuid } from '../platform/ids';
import type { Storage } from '../platform/object-store';
import { extensionOf } from './persist';

/** What asking for a task's video comes to. */
export type VideoLink =
  | {
      kind: 'link';
      taskId: string;
      /** Short-lived, signed: works without any other credential until `expiresAt`. */
      url: string;
      expiresAt: Date;
      video: StoredVideo;
      filename: string;
    }
  | { kind: 'not_found' }
  /** The task exists but has no stored video (not succeeded, or from before videos were kept). */
  | { kind: 'not_available'; status: string }
  | { kind: 'expired'; expiredAt: Date };

/** The name a downloaded video is saved under: the batch's short id and the task's index. */
export function videoFilename(batchId: string, batchIndex: number, contentType: string) {
  return `${batchId.slice(0, 8)}-${String(batchIndex).padStart(5, '0')}${extensionOf(contentType)}`;
}

/**
 * A signed download of a task's stored video. `accountId` scopes the lookup (another account's
 * task is not found); null for staff, who may see every account's.
 */
export async function videoLink(
  db: Database,
  storage: Storage,
  scope: { accountId: string | null },
  taskId: string,
  baseUrl: string,
): Promise<VideoLink> {
  if (!isUuid(taskId)) return { kind: 'not_found' };
  const task = await db.videoTask.findFirst({
    where: { id: taskId, ...(scope.accountId ? { accountId: scope.accountId } : {}) },
    select: {
      batchId: true,
      batchIndex: true,
      status: true,
      outputKey: true,
      outputSize: true,
      outputContentType: true,
      outputSha256: true,
      outputDurationSeconds: true,
      outputStoredAt: true,
      outputExpiresAt: true,
      outputDeletedAt: true,
    },
  });
  if (!task) return { kind: 'not_found' };
  const video = storedVideoOf(task);
  if (!video) return { kind: 'not_available', status: task.status };
  if (video.deletedAt) return { kind: 'expired', expiredAt: video.deletedAt };
  // A link never outlives the video itself.
  const seconds = Math.max(
    1,
    Math.min(storage.urlTtlSeconds, Math.floor((video.expiresAt.getTime() - Date.now()) / 1000)),
  );
  const filename = videoFilename(task.batchId, task.batchIndex, video.contentType);
  const url = await storage.store.signedUrl(video.key, {
    expiresInSeconds: seconds,
    baseUrl,
    contentType: video.contentType,
    filename,
  });
  return {
    kind: 'link',
    taskId,
    url,
    expiresAt: new Date(Date.now() + seconds * 1000),
    video,
    filename,
  };
}
