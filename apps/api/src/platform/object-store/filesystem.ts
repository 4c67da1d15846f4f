import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { signObjectUrl } from './signing';
import { assertValidKey, type ObjectStore, StorageError } from './store';

export interface FilesystemStoreOptions {
  /** The directory objects live under (`STORAGE_DIR`, default `DATA_DIR/storage`). */
  root: string;
  /** Key of the API's signed URLs (`STORAGE_SIGNING_KEY`). */
  signingKey: Buffer;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Objects as files under one directory, the default for `pnpm start`. A write goes to a
 * temporary file beside its target and is renamed into place once complete, so a reader never
 * sees half a video and a failed write leaves nothing behind. Downloads are served by the API
 * itself through HMAC-signed, expiring URLs (`signing.ts`, route in `routes-files.ts`).
 */
export function createFilesystemStore(options: FilesystemStoreOptions): ObjectStore {
  const pathOf = (key: string) => {
    assertValidKey(key);
    return join(options.root, ...key.split('/'));
  };
  return {
    kind: 'filesystem',

    async put({ key, body, signal }) {
      const target = pathOf(key);
      const partial = `${target}.${randomUUID()}.partial`;
      try {
        await mkdir(dirname(target), { recursive: true });
        await pipeline(body, createWriteStream(partial, { flags: 'wx' }), { signal });
        await rename(partial, target);
      } catch (error) {
        body.destroy();
        await rm(partial, { force: true }).catch(() => {});
        throw new StorageError(
          `the video store (${options.root}) refused the write: ${describe(error)}`,
        );
      }
    },

    async get(key, range) {
      const path = pathOf(key);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw new StorageError(`the video store could not read ${key}: ${describe(error)}`);
      }
      const start = range?.start ?? 0;
      const end = Math.min(range?.end ?? size - 1, size - 1);
      return {
        body: createReadStream(path, size === 0 ? {} : { start, end }),
        length: size === 0 ? 0 : end - start + 1,
        size,
      };
    },

    async delete(key) {
      try {
        await rm(pathOf(key), { force: true });
      } catch (error) {
        throw new StorageError(`the video store could not delete ${key}: ${describe(error)}`);
      }
    },

    async signedUrl(key, { expiresInSeconds, baseUrl, contentType, filename }) {
      assertValidKey(key);
      return signObjectUrl(options.signingKey, baseUrl, {
        key,
        expires: Math.floor(Date.now() / 1000) + expiresInSeconds,
        contentType,
        filename,
      });
    },
  };
}
