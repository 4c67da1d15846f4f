// Issue 18 end to end: a batch on a live provider (the fal fake) whose output links die one second
// after each job finishes. Every succeeded video is still downloadable afterwards through
// Batchreel's stable URL, byte for byte (its SHA-256 as the read says); the results manifest
// (CSV, JSON Lines) and the streamed ZIP carry the same videos and checksums.
import type { Database } from '@batchreel/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admit,
  type ProviderWorkerApp,
  settled,
  startProviderWorkerApp,
} from './providers/worker-app';
import { parseCsv, sha256, unzip } from './support/downloads';
import { FAL_TEST_KEY, type FakeFal, startFakeFal } from './support/fake-providers/fal';
import { clientOf, DEMO_KEY } from './support/scenarios';

let fal: FakeFal;
let t: ProviderWorkerApp;

beforeAll(async () => {
  fal = await startFakeFal();
  fal.script('[durable]', { queueMs: 50, runMs: 100, outputTtlMs: 1000, videoBytes: 300_000 });
  fal.script('[durable-flagged]', { outcome: 'content_policy' });
  t = await startProviderWorkerApp({
    providers: {
      fal: {
        apiKey: FAL_TEST_KEY,
        baseUrl: fal.baseUrl,
        taskTimeoutMs: 10_000,
        pollIntervalMs: 50,
      },
    },
    beforeStart: async (db: Database) => {
      await db.model.create({
        data: {
          id: 'veo-durable',
          displayName: 'Veo 3.1 Fast (fal)',
          provider: 'fal',
          providerModel: 'fal-ai/veo3.1/fast',
          priceCredits: 15,
          allowedSeconds: [8, 4],
        },
      });
    },
  });
});
afterAll(async () => {
  await t?.close();
  await fal?.close();
});

/** The bytes the fake provider made for a task, found through the link it returned. */
async function providerVideo(db: Database, taskId: string) {
  const task = await db.videoTask.findUniqueOrThrow({ where: { id: taskId } });
  const id = /\/files\/([^/]+)\/output\.mp4$/.exec(task.videoUrl ?? '')?.[1] ?? '';
  const job = fal.jobs.get(id);
  if (!job) throw new Error(`no fake job behind ${task.videoUrl}`);
  return { providerUrl: task.videoUrl as string, bytes: job.video };
}

describe('durable outputs through the real worker', () => {
  let batchId: string;

  beforeAll(async () => {
    const items = [
      ...Array.from({ length: 5 }, (_, i) => ({
        prompt: `Scene ${i} [durable]`,
        model: 'veo-durable',
      })),
      { prompt: 'Something refused [durable-flagged]', model: 'veo-durable' },
    ];
    batchId = (await admit(t.baseUrl, items)).batch_id;
    const batch = await settled(t.baseUrl, batchId);
    expect(batch).toMatchObject({ status: 'partial', success_count: 5, failed_count: 1 });
    // Every provider link has died by now.
    await new Promise((resolve) => setTimeout(resolve, 1200));
  });

  it("keeps every succeeded video after the provider's link died: byte-identical, checksum as read", async () => {
    const api = await clientOf(t);
    const tasks = (await api.listTasks(batchId)).data;
    const succeeded = tasks.filter((task) => task.status === 'succeeded');
    expect(succeeded).toHaveLength(5);
    for (const task of succeeded) {
      const original = await providerVideo(t.db, task.task_id);
      // The provider no longer has it…
      expect((await fetch(original.providerUrl)).status).toBe(403);
      // … Batchreel does, under its own stable link, with the checksum and size of those bytes.
      expect(task).toMatchObject({
        video_status: 'stored',
        video_url: `${t.baseUrl}/api/enterprise/videos/${task.task_id}`,
        video_sha256: sha256(original.bytes),
        video_size_bytes: original.bytes.length,
        video_content_type: 'video/mp4',
        video_expired_at: null,
      });
      expect(Date.parse(task.video_expires_at ?? '') - Date.parse(task.video_stored_at ?? '')).toBe(
        30 * 24 * 3600 * 1000,
      );

      // The stable URL: 302 to a signed download (described in the body too)…
      const redirect = await fetch(task.video_url ?? '', {
        headers: { 'x-api-key': DEMO_KEY },
        redirect: 'manual',
      });
      expect(redirect.status).toBe(302);
      const link = (await redirect.json()) as { url: string; sha256: string; size_bytes: number };
      expect(redirect.headers.get('location')).toBe(link.url);
      expect(link).toMatchObject({ sha256: sha256(original.bytes), size_bytes: 300_000 });
      // … which needs no API key and serves exactly the provider's bytes.
      const download = await fetch(link.url);
      expect(download.status).toBe(200);
      const bytes = Buffer.from(await download.arrayBuffer());
      expect(sha256(bytes)).toBe(task.video_sha256);
      expect(bytes.equals(original.bytes)).toBe(true);
    }
    const refused = tasks.find((task) => task.status === 'failed');
    expect(refused).toMatchObject({ video_status: 'none', video_url: null, video_sha256: null });
    expect(fal.expiredDownloads).toBeGreaterThanOrEqual(5);
  });

  it('the typed client downloads and checks a video; the stable URL needs the key and the tenant', async () => {
    const api = await clientOf(t);
    const [first] = (await api.listTasks(batchId, { status: 'succeeded', limit: 1 })).data;
    const { link, body } = await api.downloadVideo(first?.task_id ?? '');
    const bytes = Buffer.from(await new Response(body).arrayBuffer());
    expect(sha256(bytes)).toBe(link.sha256);

    const url = `${t.baseUrl}/api/enterprise/videos/${first?.task_id}`;
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(401);
    const failed = (await api.listTasks(batchId, { status: 'failed' })).data[0];
    const notAvailable = await fetch(`${t.baseUrl}/api/enterprise/videos/${failed?.task_id}`, {
      headers: { 'x-api-key': DEMO_KEY },
      redirect: 'manual',
    });
    expect(notAvailable.status).toBe(409);
    expect(await notAvailable.json()).toMatchObject({ error: { code: 'video_not_available' } });
  });

  it('the manifest (CSV and JSON Lines) lists every task with its URL and checksum', async () => {
    const api = await clientOf(t);
    const tasks = (await api.listTasks(batchId)).data;
    const csv = await new Response(await api.manifest(batchId, 'csv')).text();
    const [header, ...rows] = parseCsv(csv);
    expect(header).toEqual([
      'index',
      'task_id',
      'prompt',
      'model',
      'status',
      'error_code',
      'error',
      'url',
      'sha256',
      'size_bytes',
      'video_status',
      'expires_at',
      'file',
    ]);
    expect(rows).toHaveLength(6);
    for (const [i, task] of tasks.entries()) {
      expect(rows[i]?.slice(0, 5)).toEqual([
        String(task.batch_index),
        task.task_id,
        task.prompt,
        'veo-durable',
        task.status,
      ]);
      expect(rows[i]?.[7]).toBe(task.video_url ?? '');
      expect(rows[i]?.[8]).toBe(task.video_sha256 ?? '');
    }
    const jsonl = (await new Response(await api.manifest(batchId, 'jsonl')).text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(jsonl).toHaveLength(6);
    expect(jsonl[0]).toMatchObject({
      index: 0,
      status: 'succeeded',
      sha256: tasks[0]?.video_sha256,
      size_bytes: 300_000,
      video_status: 'stored',
      file: '00000.mp4',
    });
    expect(jsonl[5]).toMatchObject({ status: 'failed', error_code: 'content_policy', url: null });
  });

  it('the ZIP holds every stored video, byte-identical, and the manifest', async () => {
    const api = await clientOf(t);
    const zip = Buffer.from(await new Response(await api.videosZip(batchId)).arrayBuffer());
    const entries = await unzip(zip);
    expect([...entries.keys()].sort()).toEqual([
      '00000.mp4',
      '00001.mp4',
      '00002.mp4',
      '00003.mp4',
      '00004.mp4',
      'manifest.csv',
    ]);
    const tasks = (await api.listTasks(batchId, { status: 'succeeded' })).data;
    for (const task of tasks) {
      const name = `${String(task.batch_index).padStart(5, '0')}.mp4`;
      expect(sha256(entries.get(name) ?? Buffer.alloc(0))).toBe(task.video_sha256);
    }
    expect(parseCsv(entries.get('manifest.csv')?.toString('utf8') ?? '')).toHaveLength(7);
  });

  it("another account's videos and batches are not found", async () => {
    const other = await t.db.account.create({ data: { name: 'Other Corp' } });
    const { createApiKey } = await import('../src/accounts/api-keys');
    const key = await createApiKey(t.db, { accountId: other.id, name: 'k', createdBy: 'test' });
    if (!key.ok) throw new Error(key.error.code);
    const headers = { 'x-api-key': key.value.secret };
    const task = await t.db.videoTask.findFirstOrThrow({ where: { batchId, status: 'succeeded' } });
    for (const path of [
      `/api/enterprise/videos/${task.id}`,
      `/api/enterprise/video-batch/${batchId}/manifest.csv`,
      `/api/enterprise/video-batch/${batchId}/videos.zip`,
    ]) {
      const answer = await fetch(`${t.baseUrl}${path}`, { headers, redirect: 'manual' });
      expect(answer.status, path).toBe(404);
    }
  });
});
