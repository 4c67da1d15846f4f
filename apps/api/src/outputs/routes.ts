import type { Database } from '@batchreel/db';
import { BatchIdParamsSchema } from '../batches/schemas';
import { ApiError } from '../http/errors';
import { defineRoute } from '../http/route';
import { isUuid } from '../platform/ids';
import { isoTime } from '../platform/wire';
import { videoLink } from './delivery';
import { manifestCsvStream, manifestJsonlStream, manifestRows } from './manifest';
import { binary, TaskIdParamsSchema, VideoRedirectSchema } from './schemas';
import { batchZip } from './zip';

// The public API's downloads (docs/storage.md): a task's video through its stable URL, and a
// batch's manifest and ZIP. Every answer is scoped to the key's account.

const batchNotFound = (id: string) => new ApiError('not_found', `No batch ${id} for this account.`);

async function ownedBatch(db: Database, accountId: string, batchId: string) {
  if (!isUuid(batchId)) throw batchNotFound(batchId);
  const batch = await db.batchJob.findFirst({
    where: { id: batchId, accountId },
    select: { id: true },
  });
  if (!batch) throw batchNotFound(batchId);
  return batch.id;
}

const downloadHeaders = (filename: string) => ({
  'content-disposition': `attachment; filename="${filename}"`,
  'cache-control': 'no-store',
});

export const outputRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/enterprise/videos/{id}',
    operationId: 'getVideo',
    tag: 'Videos',
    summary: "Download a task's video",
    description:
      "The stable URL of a task's video (its `video_url`). Answers `302` to a short-lived signed download of the stored video (`Location`; the body says the same, with the SHA-256 and size to check it against). Do not forward your API key to the signed URL: it needs none. `410 video_expired` once the account's retention period has deleted it.",
    params: TaskIdParamsSchema,
    responses: {
      302: { description: 'Redirect to the signed download.', schema: VideoRedirectSchema },
    },
    errors: ['not_found', 'video_not_available', 'video_expired'],
    async handler({ principal, params, deps, baseUrl }) {
      const link = await videoLink(
        deps.db,
        deps.storage,
        { accountId: principal.accountId },
        params.id,
        baseUrl,
      );
      switch (link.kind) {
        case 'not_found':
          throw new ApiError('not_found', `No task ${params.id} for this account.`);
        case 'not_available':
          throw new ApiError(
            'video_not_available',
            link.status === 'succeeded'
              ? `Task ${params.id} succeeded before videos were kept; its video_url is the provider's.`
              : `Task ${params.id} is ${link.status}: it has no video.`,
          );
        case 'expired':
          throw new ApiError(
            'video_expired',
            `The video of task ${params.id} was deleted at the end of the retention period, at ${isoTime(link.expiredAt)}.`,
            [],
            { expired_at: isoTime(link.expiredAt) },
          );
        case 'link':
          return {
            status: 302,
            headers: { location: link.url, 'cache-control': 'no-store' },
            body: {
              ok: true as const,
              task_id: link.taskId,
              url: link.url,
              expires_at: isoTime(link.expiresAt),
              sha256: link.video.sha256,
              size_bytes: link.video.sizeBytes,
              content_type: link.video.contentType,
              filename: link.filename,
            },
          };
      }
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/video-batch/{id}/manifest.csv',
    operationId: 'getBatchManifestCsv',
    tag: 'Batches',
    summary: "A batch's results manifest (CSV)",
    description:
      'One row per task in request order: `index, task_id, prompt, model, status, error_code, error, url, sha256, size_bytes, video_status, expires_at, file` (`url` is the stable video URL; `file` the name in `videos.zip`). Streamed.',
    params: BatchIdParamsSchema,
    responses: {
      200: {
        description: 'The manifest.',
        schema: binary('CSV with a header row (RFC 4180, CRLF line ends).'),
        download: 'text/csv; charset=utf-8',
      },
    },
    errors: ['not_found'],
    async handler({ principal, params, deps, baseUrl }) {
      const batchId = await ownedBatch(deps.db, principal.accountId, params.id);
      return {
        status: 200,
        headers: downloadHeaders(`batch-${batchId}-manifest.csv`),
        body: manifestCsvStream(manifestRows(deps.db, batchId, baseUrl)),
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/video-batch/{id}/manifest.jsonl',
    operationId: 'getBatchManifestJsonl',
    tag: 'Batches',
    summary: "A batch's results manifest (JSON Lines)",
    description:
      'The rows of `manifest.csv` as one JSON object per line (`index` and `size_bytes` as numbers, missing values as null). Streamed.',
    params: BatchIdParamsSchema,
    responses: {
      200: {
        description: 'The manifest.',
        schema: binary('JSON Lines.'),
        download: 'application/x-ndjson; charset=utf-8',
      },
    },
    errors: ['not_found'],
    async handler({ principal, params, deps, baseUrl }) {
      const batchId = await ownedBatch(deps.db, principal.accountId, params.id);
      return {
        status: 200,
        headers: downloadHeaders(`batch-${batchId}-manifest.jsonl`),
        body: manifestJsonlStream(manifestRows(deps.db, batchId, baseUrl)),
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/enterprise/video-batch/{id}/videos.zip',
    operationId: 'getBatchVideosZip',
    tag: 'Batches',
    summary: 'Every stored video of a batch, as one ZIP',
    description:
      "Streamed as it is built (no `Content-Length`): each stored video as `<index>.<ext>` (e.g. `00007.mp4`, stored uncompressed), then `manifest.csv`. Videos already deleted by retention are left out (the manifest says `expired`). Check each file against the manifest's `sha256`.",
    params: BatchIdParamsSchema,
    responses: {
      200: {
        description: 'The ZIP.',
        schema: binary('A ZIP archive (ZIP64 when needed).'),
        download: 'application/zip',
      },
    },
    errors: ['not_found'],
    async handler({ principal, params, deps, baseUrl }) {
      const batchId = await ownedBatch(deps.db, principal.accountId, params.id);
      return {
        status: 200,
        headers: downloadHeaders(`batch-${batchId}-videos.zip`),
        body: batchZip(deps.db, deps.storage, batchId, baseUrl),
      };
    },
  }),
];
