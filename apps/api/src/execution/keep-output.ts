import { OutputSourceError, persistOutput, type StoredOutput } from '../outputs/persist';
import type { Logger } from '../platform/logger';
import type { Storage } from '../platform/object-store';
import { StorageError } from '../platform/object-store';
import { failureFactory } from '../providers/failures';
import { asProviderError } from '../providers/generate-via-contract';
import { fetchProviderOutput } from '../providers/output';
import {
  type FetchOutputResult,
  isResumable,
  ProviderError,
  type VideoProvider,
  type VideoResult,
} from '../providers/types';

/**
 * Durable outputs (issue 18) in today's executor: after `generate()` succeeded and before the
 * task may be marked `succeeded`, the video is copied into Batchreel's store. The resumable
 * executor does the same at the same point (see docs/storage.md, "Calling persistOutput"):
 * `provider.fetchOutput(output)` → `persistOutput(store, …)` → the `stored` output travels with
 * the succeeded outcome. Failures come back as transient `ProviderError`s: `storage_error` when
 * our store failed, the download's own code (`network_error`, `lost`, …) when the provider's side
 * did; the executor's retry policy then decides, and a task whose attempts run out is refunded.
 */
export async function keepOutput(
  storage: Storage,
  provider: VideoProvider,
  task: { id: string; batchId: string; accountId: string; attempt: number },
  result: VideoResult,
  logger: Logger,
): Promise<StoredOutput> {
  const signal = AbortSignal.timeout(storage.copyTimeoutMs);
  const output = result.output;
  let video: Parameters<typeof persistOutput>[1]['video'];
  if (output?.kind === 'inline') {
    video = { kind: 'inline', data: output.data, contentType: output.contentType };
  } else {
    const fetched: FetchOutputResult =
      output && isResumable(provider)
        ? await provider.fetchOutput(output, signal)
        : result.videoUrl
          ? await fetchProviderOutput(
              {
                fetch: globalThis.fetch,
                requestTimeoutMs: 30_000,
                failures: failureFactory(provider.name, []),
              },
              { kind: 'url', url: result.videoUrl, needsProviderKey: false },
              signal,
            )
          : {
              kind: 'failed',
              failure: failureFactory(provider.name, []).failure(
                'provider_error',
                'the provider reported success without a video',
              ),
            };
    if (fetched.kind === 'failed') throw asProviderError(fetched.failure);
    video = {
      kind: 'stream',
      stream: fetched.stream,
      contentType: fetched.contentType,
      contentLength: fetched.contentLength,
    };
  }
  try {
    return await persistOutput(storage.store, {
      taskId: task.id,
      batchId: task.batchId,
      accountId: task.accountId,
      attempt: task.attempt,
      video,
      durationSeconds: result.durationSeconds,
      signal,
    });
  } catch (error) {
    if (error instanceof StorageError) {
      // The store's own words name buckets and paths: for the log, not for the customer.
      logger.warn({ taskId: task.id, err: error }, 'video store failed');
      throw new ProviderError(
        'storage_error',
        'The finished video could not be kept in Batchreel’s storage',
        true,
        undefined,
        error.message,
      );
    }
    if (error instanceof OutputSourceError)
      throw new ProviderError(error.code, error.message, true);
    throw error;
  }
}
