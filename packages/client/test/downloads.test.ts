// The CLI's downloads (issue 18): `results --download` fetches every stored video through its
// signed link and keeps it only when its SHA-256 matches the task's (exit 8 otherwise);
// `retry-failed` re-runs a settled batch's failed tasks as a new batch.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { batchIdOf, cli, client, scratch } from './support';

let files: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  files = await scratch();
});
afterAll(() => files.remove());

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('batchreel results --download', () => {
  it('downloads every stored video, verified; re-runs skip verified files; a damaged copy exits 8', async () => {
    const input = await files.file(
      'mixed.jsonl',
      [
        { prompt: 'Harbour #0', model: 'sora-2' },
        { prompt: 'Harbour #1', model: 'sora-2' },
        { prompt: 'Harbour #2 [sim:content_policy]', model: 'sora-2' },
        { prompt: 'Harbour #3', model: 'sora-2' },
      ]
        .map((item) => JSON.stringify(item))
        .join('\n'),
    );
    const submitted = await cli(['submit', input, '--yes', '--watch', '--interval', '0.2']);
    expect(submitted.code).toBe(4); // settled with a failure
    const batchId = batchIdOf(submitted.stdout);
    const dir = files.path('videos');

    const first = await cli(['results', batchId, '--download', dir, '--out', files.path('m.csv')]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('3 downloaded, 0 already there (checksums verified)');
    expect((await readdir(dir)).sort()).toEqual(['00000.svg', '00001.svg', '00003.svg']);
    const tasks = (await client().listTasks(batchId)).data;
    for (const task of tasks.filter((t) => t.status === 'succeeded')) {
      const name = `${String(task.batch_index).padStart(5, '0')}.svg`;
      expect(sha256(await readFile(join(dir, name)))).toBe(task.video_sha256);
    }

    const again = await cli(['results', batchId, '--download', dir, '--out', files.path('m.csv')]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('0 downloaded, 3 already there');

    // Damage the stored copy of task #1 behind the API's back: the download no longer matches
    // the checksum recorded when it was stored, and the CLI refuses to keep it.
    const task = tasks.find((t) => t.batch_index === 1);
    const link = await client().videoLink(task?.task_id ?? '');
    const key = decodeURIComponent(new URL(link.url).pathname.replace(/^\/storage\/objects\//, ''));
    await writeFile(
      join(inject('dataDir'), 'storage', ...key.split('/')),
      'not the video that was stored',
    );
    const fresh = files.path('fresh');
    const damaged = await cli([
      'results',
      batchId,
      '--download',
      fresh,
      '--out',
      files.path('x.csv'),
    ]);
    expect(damaged.code).toBe(8);
    expect(damaged.stderr).toMatch(/#1: SHA-256 [0-9a-f]{64} instead of/);
    expect(damaged.stderr).toContain('1 video(s) did not match their SHA-256 and were not kept.');
    expect((await readdir(fresh)).sort()).toEqual(['00000.svg', '00003.svg']);
  }, 60_000);
});

describe('batchreel retry-failed', () => {
  it('re-runs the failed tasks as a new batch linked to the original; the same --request-id replays', async () => {
    const input = await files.file(
      'retry.jsonl',
      ['Pier #0', 'Pier #1 [sim:content_policy]']
        .map((prompt) => JSON.stringify({ prompt, model: 'sora-2' }))
        .join('\n'),
    );
    const submitted = await cli(['submit', input, '--yes', '--watch', '--interval', '0.2']);
    const batchId = batchIdOf(submitted.stdout);

    const refused = await cli(['retry-failed', batchId]);
    expect(refused.code).toBe(2); // no terminal, no --yes
    const retried = await cli([
      'retry-failed',
      batchId.slice(0, 8),
      '--yes',
      '--request-id',
      `cli-${batchId}`,
    ]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/Retry batch [0-9a-f-]{36} admitted: 1 failed tasks of/);
    const retryId = /Retry batch ([0-9a-f-]{36})/.exec(retried.stdout)?.[1] ?? '';
    const replay = await cli([
      'retry-failed',
      batchId,
      '--yes',
      '--request-id',
      `cli-${batchId}`,
      '--json',
    ]);
    expect(JSON.parse(replay.stdout)).toMatchObject({
      replayed: true,
      batch: { batch_id: retryId },
    });
    expect((await client().getBatch(batchId)).retry_batch_ids).toEqual([retryId]);
    expect((await client().getBatch(retryId)).retried_from_batch_id).toBe(batchId);
  }, 60_000);
});
