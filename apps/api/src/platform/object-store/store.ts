import type { Readable } from 'node:stream';

/**
 * Where Batchreel keeps the videos it delivers (docs/storage.md): a directory on this machine, or
 * any S3-compatible bucket. Streams only: a video is never held whole in memory.
 */
export interface ObjectStore {
  readonly kind: 'filesystem' | 's3';
  /** Writes an object from a stream; resolves once it is durably stored. Throws `StorageError`. */
  put(object: {
    key: string;
    body: Readable;
    contentType: string;
    signal?: AbortSignal | undefined;
  }): Promise<void>;
  /** Reads an object (or the inclusive byte range of it); null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<StoredBody | null>;
  /** Removes an object; removing one that is not there is fine. */
  delete(key: string): Promise<void>;
  /**
   * A short-lived URL that serves the object to whoever holds it, with no other credential: S3's
   * presigned GET, or the API's own HMAC-signed URL for the filesystem store (served under
   * `baseUrl`).
   */
  signedUrl(key: string, options: SignedUrlOptions): Promise<string>;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

export interface StoredBody {
  body: Readable;
  /** Bytes of this answer (the range's length when a range was asked). */
  length: number;
  /** Bytes of the whole object. */
  size: number;
}

export interface SignedUrlOptions {
  expiresInSeconds: number;
  /** The address of this service as the client reaches it (filesystem store only). */
  baseUrl: string;
  contentType: string;
  /** The file name a download saves as (`Content-Disposition`). */
  filename: string;
}

/**
 * The store refused or failed (unreachable, out of space, denied, too slow). Transient: the
 * executor retries it like a provider hiccup (task error code `storage_error`).
 */
export class StorageError extends Error {
  override name = 'StorageError';
  readonly code = 'storage_error' as const;
  readonly transient = true;
}

/** Keys are ours (`videos/<account>/<batch>/<task>-<attempt>.mp4`): a narrow, path-safe alphabet. */
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function isValidKey(key: string): boolean {
  return key.length <= 512 && KEY_PATTERN.test(key) && !key.split('/').includes('..');
}

export function assertValidKey(key: string): void {
  if (!isValidKey(key)) throw new StorageError(`not a valid object key: ${JSON.stringify(key)}`);
}
