// The video stores on their own: the filesystem store and an S3-compatible store (s3rver, a real
// HTTP server from npm), through persistOutput (streamed SHA-256 and size), reads and ranges,
// deletion, failures on either side of the copy, and the signed downloads each one hands out.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutputSourceError, persistOutput } from '../src/outputs/persist';
import { type ObjectStore, StorageError } from '../src/platform/object-store';
import { createFilesystemStore } from '../src/platform/object-store/filesystem';
import { startTestApp, type TestApp } from './helpers';
import { LocalS3 } from './support/local-s3';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** `total` random bytes in 64 KiB chunks, as a download arrives; `breakAfter`: then an error. */
function download(bytes: Buffer, options: { breakAfter?: number } = {}): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (options.breakAfter !== undefined && offset >= options.breakAfter) {
        this.destroy(new Error('ECONNRESET (simulated provider CDN)'));
        return;
      }
      if (offset >= bytes.length) return void this.push(null);
      this.push(bytes.subarray(offset, offset + 64 * 1024));
      offset += 64 * 1024;
    },
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const task = (attempt = 1) => ({
  accountId: '0b6f6b36-1111-4aaa-8bbb-000000000001',
  batchId: '0b6f6b36-2222-4aaa-8bbb-000000000002',
  taskId: '0b6f6b36-3333-4aaa-8bbb-000000000003',
  attempt,
});

let s3: LocalS3;
let fsRoot: string;
const stores: Record<string, () => ObjectStore> = {};

beforeAll(async () => {
  s3 = await LocalS3.start();
  fsRoot = await mkdtemp(join(tmpdir(), 'batchreel-fs-store-'));
  stores.filesystem = () => createFilesystemStore({ root: fsRoot, signingKey: randomBytes(32) });
  stores.s3 = () => s3.storage().store;
});
afterAll(async () => {
  await s3?.destroy();
  await rm(fsRoot, { recursive: true, force: true });
});

describe.each(['filesystem', 's3'])('the %s store', (kind) => {
  const store = () => (stores[kind] as () => ObjectStore)();

  it('keeps a 12 MB download streamed through persistOutput, checksummed, byte for byte', async () => {
    const video = randomBytes(12 * 1024 * 1024 + 12_345);
    const stored = await persistOutput(store(), {
      ...task(),
      video: {
        kind: 'stream',
        stream: download(video),
        contentType: 'video/mp4',
        contentLength: video.length,
      },
      durationSeconds: 8,
    });
    expect(stored).toEqual({
      key: `videos/${task().accountId}/${task().batchId}/${task().taskId}-1.mp4`,
      size: video.length,
      contentType: 'video/mp4',
      sha256: sha256(video),
      durationSeconds: 8,
    });
    const whole = await store().get(stored.key);
    expect(whole?.size).toBe(video.length);
    expect(sha256(await readAll(whole?.body as Readable))).toBe(sha256(video));

    // A player's range request.
    const part = await store().get(stored.key, { start: 5_000_000, end: 5_000_999 });
    expect(part?.length).toBe(1000);
    expect(await readAll(part?.body as Readable)).toEqual(video.subarray(5_000_000, 5_001_000));

    await store().delete(stored.key);
    expect(await store().get(stored.key)).toBeNull();
    await store().delete(stored.key); // deleting what is gone is fine
  });

  it('keeps an inline (base64) video the same way', async () => {
    const video = randomBytes(300_001);
    const stored = await persistOutput(store(), {
      ...task(2),
      video: { kind: 'inline', data: video.toString('base64'), contentType: 'video/webm' },
    });
    expect(stored).toMatchObject({
      size: video.length,
      sha256: sha256(video),
      durationSeconds: null,
    });
    expect(stored.key).toMatch(/-2\.webm$/);
    expect(await readAll((await store().get(stored.key))?.body as Readable)).toEqual(video);
  });

  it('blames the provider, and keeps nothing, when the download breaks off or falls short', async () => {
    const video = randomBytes(400_000);
    const broken = persistOutput(store(), {
      ...task(3),
      video: {
        kind: 'stream',
        stream: download(video, { breakAfter: 200_000 }),
        contentType: 'video/mp4',
      },
    });
    await expect(broken).rejects.toBeInstanceOf(OutputSourceError);
    await expect(broken).rejects.toMatchObject({ code: 'network_error' });
    expect(
      await store().get(`videos/${task().accountId}/${task().batchId}/${task().taskId}-3.mp4`),
    ).toBeNull();

    const short = persistOutput(store(), {
      ...task(4),
      video: {
        kind: 'stream',
        stream: download(video),
        contentType: 'video/mp4',
        contentLength: video.length + 10,
      },
    });
    await expect(short).rejects.toThrow(/400000 bytes, not the 400010 announced/);
    expect(
      await store().get(`videos/${task().accountId}/${task().batchId}/${task().taskId}-4.mp4`),
    ).toBeNull();

    const empty = persistOutput(store(), {
      ...task(5),
      video: { kind: 'stream', stream: download(Buffer.alloc(0)), contentType: 'video/mp4' },
    });
    await expect(empty).rejects.toMatchObject({ code: 'provider_error' });
  });
});

describe('store failures are storage errors (transient), not the provider’s', () => {
  it('S3 down: the write is refused with StorageError, and works again once it is back', async () => {
    const video = randomBytes(100_000);
    await s3.stop();
    try {
      const refused = persistOutput(s3.storage().store, {
        ...task(6),
        video: { kind: 'stream', stream: download(video), contentType: 'video/mp4' },
      });
      await expect(refused).rejects.toBeInstanceOf(StorageError);
      await expect(refused).rejects.toMatchObject({ code: 'storage_error', transient: true });
    } finally {
      await s3.start();
    }
    const stored = await persistOutput(s3.storage().store, {
      ...task(6),
      video: { kind: 'stream', stream: download(video), contentType: 'video/mp4' },
    });
    expect(stored.sha256).toBe(sha256(video));
  });

  it('a filesystem store whose directory cannot be written refuses with StorageError', async () => {
    const blocked = join(fsRoot, 'not-a-directory');
    await writeFile(blocked, 'a file where the store wants a directory');
    const store = createFilesystemStore({ root: blocked, signingKey: randomBytes(32) });
    await expect(
      persistOutput(store, {
        ...task(7),
        video: { kind: 'stream', stream: download(randomBytes(1000)), contentType: 'video/mp4' },
      }),
    ).rejects.toBeInstanceOf(StorageError);
  });
});

describe('signed downloads', () => {
  it('S3: a presigned GET serves the object with its type, without any other credential', async () => {
    const video = randomBytes(70_000);
    const store = s3.storage().store;
    const stored = await persistOutput(store, {
      ...task(8),
      video: { kind: 'inline', data: video.toString('base64'), contentType: 'video/mp4' },
    });
    const url = await store.signedUrl(stored.key, {
      expiresInSeconds: 60,
      baseUrl: 'http://unused.invalid',
      contentType: 'video/mp4',
      filename: 'clip.mp4',
    });
    expect(url).toContain('X-Amz-Signature=');
    expect(url).toContain('X-Amz-Expires=60');
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await answer.arrayBuffer())).toEqual(video);
  });

  describe('filesystem: the API serves its own HMAC-signed, expiring URLs', () => {
    let t: TestApp;
    const video = randomBytes(50_000);
    let key: string;
    const link = (expiresInSeconds = 60) =>
      t.storage.store.signedUrl(key, {
        expiresInSeconds,
        baseUrl: t.baseUrl,
        contentType: 'video/mp4',
        filename: 'clip.mp4',
      });

    beforeAll(async () => {
      t = await startTestApp({ seed: false });
      key = (
        await persistOutput(t.storage.store, {
          ...task(9),
          video: { kind: 'inline', data: video.toString('base64'), contentType: 'video/mp4' },
        })
      ).key;
    });
    afterAll(async () => {
      await t?.close();
    });

    it('serves the whole video, and a range as players ask (206)', async () => {
      const url = await link();
      const whole = await fetch(url);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toBe('video/mp4');
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      expect(whole.headers.get('content-disposition')).toBe('inline; filename="clip.mp4"');
      expect(Buffer.from(await whole.arrayBuffer())).toEqual(video);

      const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 100-199/${video.length}`);
      expect(Buffer.from(await part.arrayBuffer())).toEqual(video.subarray(100, 200));

      const tail = await fetch(url, { headers: { range: 'bytes=-10' } });
      expect(Buffer.from(await tail.arrayBuffer())).toEqual(video.subarray(video.length - 10));
      expect((await fetch(url, { headers: { range: `bytes=${video.length}-` } })).status).toBe(416);
    });

    it('refuses a link whose signature, key, type, name or expiry was altered (403)', async () => {
      const url = new URL(await link());
      const altered = (change: (u: URL) => void) => {
        const copy = new URL(url);
        change(copy);
        return copy.toString();
      };
      const signature = url.searchParams.get('signature') ?? '';
      const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'AB' : 'AA'}`;
      const tampered = [
        altered((u) => u.searchParams.set('signature', flipped)),
        altered((u) =>
          u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600)),
        ),
        altered((u) => u.searchParams.set('type', 'text/html')),
        altered((u) => u.searchParams.set('name', 'other.mp4')),
        altered((u) => {
          u.pathname = u.pathname.replace(/\d+\.mp4$/, '2.mp4');
        }),
        altered((u) => u.searchParams.delete('signature')),
      ];
      for (const bad of tampered) {
        const answer = await fetch(bad);
        expect(answer.status, bad).toBe(403);
        expect(await answer.json()).toMatchObject({ ok: false, error: { code: 'forbidden' } });
      }
    });

    it('refuses a link once its time is up (403, "expired")', async () => {
      const url = await link(1);
      expect((await fetch(url)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const late = await fetch(url);
      expect(late.status).toBe(403);
      expect(((await late.json()) as { error: { message: string } }).error.message).toMatch(
        /expired/,
      );
    });

    it('answers 404 once the object is gone', async () => {
      const url = await link();
      await t.storage.store.delete(key);
      expect((await fetch(url)).status).toBe(404);
    });
  });
});
