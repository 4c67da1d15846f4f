// Batchreel's own addresses for what a batch produced (docs/storage.md): stable, authenticated
// with the API key, each answering with (or redirecting to) a short-lived signed download.

/** The stable URL of a task's video: redirects to a signed download while the video is kept. */
export const taskVideoPath = (taskId: string) => `/api/enterprise/videos/${taskId}`;

export const taskVideoUrl = (baseUrl: string, taskId: string) =>
  `${baseUrl.replace(/\/$/, '')}${taskVideoPath(taskId)}`;

/**
 * A batch's result downloads, as paths on the API (webhook events carry them too, and the worker
 * that writes those does not know the address clients use).
 */
export function batchResultPaths(batchId: string) {
  const base = `/api/enterprise/video-batch/${batchId}`;
  return {
    manifestCsv: `${base}/manifest.csv`,
    manifestJsonl: `${base}/manifest.jsonl`,
    videosZip: `${base}/videos.zip`,
  };
}
