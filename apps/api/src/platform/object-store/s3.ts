import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertValidKey, type ObjectStore, StorageError } from './store';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** An S3-compatible service (MinIO, R2, GCS interop, …); unset: AWS itself. */
  endpoint?: string | undefined;
  /** Unset: the SDK's default chain (environment, shared files, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** `https://host/bucket/key` instead of `https://bucket.host/key` (most self-hosted stores). */
  forcePathStyle: boolean;
  /** Prepended to every key, e.g. `batchreel/`, to share a bucket. */
  prefix?: string | undefined;
  /** Uploads this process runs at once; each buffers up to one part (5 MiB) in memory. */
  maxConcurrentUploads?: number;
}

/** lib-storage holds `queueSize × partSize` bytes per upload: 5 MiB, S3's smallest part. */
const PART_BYTES = 5 * 1024 * 1024;

const describe = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
function semaphore(limit: number) {
  let held = 0;
  const waiting: (() => void)[] = [];
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (held >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    held++;
    try {
      return await work();
    } finally {
      held--;
      waiting.shift()?.();
    }
  };
}

/**
 * Any S3-compatible bucket through the AWS SDK v3: streamed multipart uploads (`lib-storage`,
 * one 5 MiB part in memory at a time per upload, a bounded number of uploads at once), ranged
 * GETs, and presigned GET URLs for delivery. The SDK's newer default of sending CRC checksums on
 * every request is turned down to "when required", which S3-compatible services other than AWS
 * do not all understand; integrity is ours anyway (SHA-256 of every video, in the database).
 */
export function createS3Store(options: S3StoreOptions): ObjectStore {
  const config: S3ClientConfig = {
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that is down answers quickly; one that hangs must not hold a task for minutes.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
    maxAttempts: 2,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
  const client = new S3Client(config);
  const keyOf = (key: string) => {
    assertValidKey(key);
    return `${options.prefix ?? ''}${key}`;
  };
  const limit = semaphore(options.maxConcurrentUploads ?? 8);

  return {
    kind: 's3',

    put({ key, body, contentType, signal }) {
      return limit(async () => {
        const abortController = new AbortController();
        const onAbort = () => abortController.abort(signal?.reason);
        signal?.addEventListener('abort', onAbort, { once: true });
        try {
          const upload = new Upload({
            client,
            params: {
              Bucket: options.bucket,
              Key: keyOf(key),
              Body: body,
              ContentType: contentType,
            },
            queueSize: 1,
            partSize: PART_BYTES,
            leavePartsOnError: false,
            abortController,
          });
          await upload.done();
        } catch (error) {
          body.destroy();
          throw new StorageError(
            `the video store (s3://${options.bucket}) refused the write: ${describe(error)}`,
          );
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
      });
    },

    async get(key, range) {
      try {
        const answer = await client.send(
          new GetObjectCommand({
            Bucket: options.bucket,
            Key: keyOf(key),
            ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
          }),
        );
        const length = answer.ContentLength ?? 0;
        const total = /\/(\d+)$/.exec(answer.ContentRange ?? '')?.[1];
        return {
          body: answer.Body as Readable,
          length,
          size: total ? Number(total) : length,
        };
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') {
          return null;
        }
        throw new StorageError(`the video store could not read ${key}: ${describe(error)}`);
      }
    },

    async delete(key) {
      try {
        await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: keyOf(key) }));
      } catch (error) {
        throw new StorageError(`the video store could not delete ${key}: ${describe(error)}`);
      }
    },

    async signedUrl(key, { expiresInSeconds, contentType, filename }) {
      return getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: options.bucket,
          Key: keyOf(key),
          ResponseContentType: contentType,
          ResponseContentDisposition: `inline; filename="${filename}"`,
        }),
        { expiresIn: expiresInSeconds },
      );
    },
  };
}
