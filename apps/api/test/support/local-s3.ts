import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import type { Storage } from '../../src/platform/object-store';
import { createS3Store } from '../../src/platform/object-store/s3';

export const LOCAL_S3_BUCKET = 'batchreel-videos';

/**
 * A real S3-compatible HTTP server for the tests (s3rver, from npm): buckets as directories in a
 * temporary folder. It does not check SigV4 signatures, so signed-URL expiry and tampering are
 * tested on the filesystem store (whose signatures are ours). `stop()` and `start()` make a real
 * outage: connections refused, then the same port and data back.
 */
export class LocalS3 {
  #server: S3rver | null = null;
  port = 0;

  private constructor(readonly directory: string) {}

  static async start(): Promise<LocalS3> {
    const s3 = new LocalS3(await mkdtemp(join(tmpdir(), 'batchreel-s3-')));
    await s3.start();
    return s3;
  }

  get endpoint() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const server = new S3rver({
      address: '127.0.0.1',
      port: this.port,
      directory: this.directory,
      silent: true,
      configureBuckets: [{ name: LOCAL_S3_BUCKET, configs: [] }],
    });
    const address = await server.run();
    this.port = address.port;
    this.#server = server;
  }

  /** Down: listening stops and every open connection is cut. */
  async stop() {
    const server = this.#server;
    this.#server = null;
    if (!server) return;
    const http = (server as unknown as { httpServer: Server }).httpServer;
    const closed = server.close();
    http.closeAllConnections();
    await closed;
  }

  async destroy() {
    await this.stop();
    await rm(this.directory, { recursive: true, force: true });
  }

  /** A Storage on this server's bucket, as `STORAGE_DRIVER=s3` with path-style addressing makes. */
  storage(overrides: Partial<Omit<Storage, 'store'>> = {}): Storage {
    return {
      store: createS3Store({
        bucket: LOCAL_S3_BUCKET,
        region: 'us-east-1',
        endpoint: this.endpoint,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        forcePathStyle: true,
        prefix: 'test/',
      }),
      signingKey: randomBytes(32),
      urlTtlSeconds: 300,
      copyTimeoutMs: 30_000,
      ...overrides,
    };
  }
}
