import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../../env';
import { createFilesystemStore } from './filesystem';
import { createS3Store } from './s3';
import { loadSigningKey } from './signing';
import type { ObjectStore } from './store';

export type { ByteRange, ObjectStore, SignedUrlOptions, StoredBody } from './store';
export { isValidKey, StorageError } from './store';

/** The object store with what delivering from it needs (docs/storage.md). */
export interface Storage {
  store: ObjectStore;
  /** HMAC key of the API's own signed download URLs (filesystem store). */
  signingKey: Buffer;
  /** How long a signed download URL works, in seconds. */
  urlTtlSeconds: number;
  /** Deadline of one copy of a finished video into the store. */
  copyTimeoutMs: number;
}

/** The store `env` configures: files under `STORAGE_DIR`, or an S3-compatible bucket. */
export async function storageFromEnv(env: Env): Promise<Storage> {
  const signingKey = await loadSigningKey(env.STORAGE_SIGNING_KEY, env.DATA_DIR);
  const common = {
    signingKey,
    urlTtlSeconds: env.STORAGE_URL_TTL_SECONDS,
    copyTimeoutMs: env.STORAGE_COPY_TIMEOUT_MS,
  };
  if (env.STORAGE_DRIVER === 's3') {
    return {
      ...common,
      store: createS3Store({
        bucket: env.S3_BUCKET as string,
        region: env.S3_REGION,
        endpoint: env.S3_ENDPOINT,
        credentials:
          env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
            ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
            : undefined,
        forcePathStyle: env.S3_FORCE_PATH_STYLE,
        prefix: env.S3_PREFIX,
        maxConcurrentUploads: env.S3_MAX_CONCURRENT_UPLOADS,
      }),
    };
  }
  return {
    ...common,
    store: createFilesystemStore({
      root: env.STORAGE_DIR ?? join(env.DATA_DIR, 'storage'),
      signingKey,
    }),
  };
}

/**
 * A filesystem store in a fresh temporary directory with a random key: for a server built
 * in-process without a configured store (tests that do not look at videos).
 */
export function temporaryStorage(): Storage {
  const signingKey = randomBytes(32);
  return {
    store: createFilesystemStore({
      root: mkdtempSync(join(tmpdir(), 'batchreel-videos-')),
      signingKey,
    }),
    signingKey,
    urlTtlSeconds: 300,
    copyTimeoutMs: 60_000,
  };
}
