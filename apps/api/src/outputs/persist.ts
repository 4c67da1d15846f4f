import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type ObjectStore, StorageError } from '../platform/object-store/store';

/** A finished video as the provider hands it over. */
export type ProviderVideo =
  | {
      kind: 'stream';
      /** A download in progress (`fetchOutput`'s stream, a response body). */
      stream: ReadableStream<Uint8Array> | Readable;
      contentType: string;
      /** What the provider announced; a shorter or longer body is a broken download. */
      contentLength?: number | undefined;
    }
  | {
      kind: 'inline';
      /** Base64, as the provider sent it inside its answer. */
      data: string;
      contentType: string;
    };

export interface PersistRequest {
  taskId: string;
  accountId: string;
  batchId: string;
  /** The task's attempt: each attempt writes its own key, so a late duplicate never overwrites. */
  attempt: number;
  video: ProviderVideo;
  /** Length of the video in seconds, when the provider reports it. */
  durationSeconds?: number | null | undefined;
  /** The copy's deadline; an abort counts as a store failure. */
  signal?: AbortSignal | undefined;
}

/** What the task records once its video is kept (`video_tasks.output_*`). */
export interface StoredOutput {
  key: string;
  size: number;
  contentType: string;
  /** Lower-case hex SHA-256 of exactly the stored bytes. */
  sha256: string;
  durationSeconds: number | null;
}

/**
 * The provider's side of the copy failed: its download broke off, was shorter or longer than
 * announced, or was empty. Transient (fetch the output again); not the store's fault.
 */
export class OutputSourceError extends Error {
  override name = 'OutputSourceError';
  readonly transient = true;
  constructor(
    readonly code: 'network_error' | 'provider_error',
    message: string,
  ) {
    super(message);
  }
}

const EXTENSIONS: Record<string, string> = {
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'video/x-matroska': '.mkv',
  'image/gif': '.gif',
  'image/svg+xml': '.svg',
};

/** The file extension a content type is saved with (`.bin` when unknown). */
export function extensionOf(contentType: string): string {
  return EXTENSIONS[contentType.split(';')[0]?.trim().toLowerCase() ?? ''] ?? '.bin';
}

/**
 * Where a task's video is kept: one key per account, batch, task and attempt, one directory (or
 * prefix) per batch.
 */
export function outputKey(
  request: Pick<PersistRequest, 'accountId' | 'batchId' | 'taskId' | 'attempt'>,
  contentType: string,
) {
  return `videos/${request.accountId}/${request.batchId}/${request.taskId}-${request.attempt}${extensionOf(contentType)}`;
}

/** Base64 characters decoded per chunk: a multiple of 4, 48 KiB of video each. */
const BASE64_CHUNK = 64 * 1024;

function inlineStream(data: string): Readable {
  const clean = /\s/.test(data) ? data.replace(/\s+/g, '') : data;
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= clean.length) {
        this.push(null);
        return;
      }
      const part = clean.slice(offset, offset + BASE64_CHUNK);
      offset += BASE64_CHUNK;
      this.push(Buffer.from(part, 'base64'));
    },
  });
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Copies a finished video into Batchreel's store, streaming: the bytes go from the provider to the
 * store through a SHA-256 and a byte count, never whole in memory. Resolves with what the task
 * records; the caller marks the task `succeeded` with it only then (docs/storage.md, "Persist
 * before success").
 *
 * Throws `StorageError` (code `storage_error`) when the store fails, or `OutputSourceError` when
 * the provider's download does; both are transient: the executor retries them with its transient
 * policy (fetching the provider's output again), and a task whose attempts run out fails and is
 * refunded like any other failure.
 */
export async function persistOutput(
  store: ObjectStore,
  request: PersistRequest,
): Promise<StoredOutput> {
  const { video } = request;
  const contentType = video.contentType || 'application/octet-stream';
  const key = outputKey(request, contentType);
  const expected = video.kind === 'stream' ? video.contentLength : undefined;
  const source =
    video.kind === 'inline'
      ? inlineStream(video.data)
      : video.stream instanceof Readable
        ? video.stream
        : Readable.fromWeb(video.stream as WebReadableStream<Uint8Array>);

  let sourceFailure: OutputSourceError | null = null;
  source.once('error', (error) => {
    sourceFailure ??= new OutputSourceError(
      'network_error',
      `The video download from the provider broke off: ${describe(error)}`,
    );
  });
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      if (size === 0) {
        sourceFailure = new OutputSourceError(
          'provider_error',
          'The provider delivered an empty video.',
        );
      } else if (expected !== undefined && expected > 0 && size !== expected) {
        sourceFailure = new OutputSourceError(
          'network_error',
          `The video download from the provider was ${size} bytes, not the ${expected} announced.`,
        );
      }
      done(sourceFailure);
    },
  });
  source.on('error', (error) => meter.destroy(error));
  // The store sees the meter's errors through its own reading (and `sourceFailure` says whose
  // fault it was); a store that stopped reading early must not turn one into a crash.
  meter.on('error', () => {});
  source.pipe(meter);

  try {
    await store.put({ key, body: meter, contentType, signal: request.signal });
  } catch (error) {
    source.destroy();
    meter.destroy();
    if (sourceFailure) throw sourceFailure;
    if (error instanceof StorageError) throw error;
    throw new StorageError(`storing the video failed: ${describe(error)}`);
  }
  // A store that resolved without reading to the end would leave a partial object.
  if (sourceFailure) {
    await store.delete(key).catch(() => {});
    throw sourceFailure;
  }
  return {
    key,
    size,
    contentType,
    sha256: hash.digest('hex'),
    durationSeconds:
      request.durationSeconds && request.durationSeconds > 0 ? request.durationSeconds : null,
  };
}
