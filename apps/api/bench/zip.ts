// ZIP streaming benchmark (`pnpm bench`, or `pnpm --filter @batchreel/api bench:zip`).
//
// A batch's `GET /video-batch/{id}/videos.zip` must stream with memory that does not grow with the
// number of videos (issue 18). This bench stores two batches of small videos in a filesystem store
// (100 and 10,000 videos of 8 KiB, rows written set-based) and downloads each ZIP over real HTTP
// from a fresh child process that runs the real server (`buildServer`) and reads the answer to
// the end, after a warm-up download of the small batch: its RSS before the download, the peak RSS
// sampled every 5 ms during it (and the growth between the two), the kernel's `maxRSS` over the
// child's whole life, the live heap's growth (after a full collection, 90 % into the download:
// what the download really holds, garbage aside), and how long the download took. A fresh process per case keeps one case's heap out of the other's
// figure. It is a report, not a test: it exits 0 when it ran; a wrong ZIP (size or entry count)
// aborts it with 1.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPrismaClient } from '@batchreel/db';
import { buildServer } from '../src/app/server';
import { createLogger } from '../src/platform/logger';
import { createFilesystemStore } from '../src/platform/object-store/filesystem';
import { startQueue } from '../src/platform/queue';
import { openBench, printBenchHeader, runBench } from './support/bootstrap';
import { benchFlags } from './support/flags';
import { fixed, secondsSince, table } from './support/stats';

const USAGE = `usage: pnpm --filter @batchreel/api bench:zip [--quick]

  --quick    a smoke run: 100 and 1,000 videos (figures not meaningful)`;

const flags = benchFlags(USAGE);
const VIDEO_BYTES = 8 * 1024;
const SIGNING_KEY = randomBytes(32).toString('hex');

/** The child: serve the ZIP of one batch over HTTP and read it to the end. */
async function child(argv: Record<string, string>) {
  const logger = createLogger({ LOG_LEVEL: 'silent' });
  const db = createPrismaClient(argv.db as string);
  const queue = await startQueue(argv.db as string, logger, 2);
  const signingKey = Buffer.from(argv.key as string, 'hex');
  const storage = {
    store: createFilesystemStore({ root: argv.root as string, signingKey }),
    signingKey,
    urlTtlSeconds: 300,
    copyTimeoutMs: 60_000,
  };
  const app = await buildServer({
    db,
    queue,
    logger,
    storage,
    config: { rateLimitPerMinute: 1_000_000 },
  });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const download = (batchId: string) =>
    fetch(`${baseUrl}/api/enterprise/video-batch/${batchId}/videos.zip`, {
      headers: { 'x-api-key': 'demo-key' },
    });
  // A first, small download loads and compiles everything the route uses: what the measured one
  // adds is then the ZIP's own memory.
  await (await download(argv.warm as string)).arrayBuffer();
  global.gc?.();
  const before = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;

  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  const response = await download(argv.batch as string);
  if (response.status !== 200 || !response.body) throw new Error(`ZIP answered ${response.status}`);
  let bytes = 0;
  let entries = 0;
  // What the download really holds, garbage aside: the heap after a full collection once 90 % of
  // the videos have gone through (yazl's per-entry records for the central directory included).
  const liveAt = 0.9 * Number(argv.videos) * VIDEO_BYTES;
  let liveHeap = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.length;
    if (!liveHeap && bytes >= liveAt && global.gc) {
      global.gc();
      liveHeap = process.memoryUsage().heapUsed;
    }
    // Local file headers start with PK\x03\x04; counted across chunk edges well enough for a
    // check (a video's bytes are random, a false hit is one in four billion per position).
    for (let i = 0; i + 3 < value.length; i++) {
      if (value[i] === 0x50 && value[i + 1] === 0x4b && value[i + 2] === 3 && value[i + 3] === 4) {
        entries++;
      }
    }
  }
  const elapsedMs = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  await app.close();
  await queue.stop({ graceful: false });
  await db.$disconnect();
  // maxRSS (KiB): the kernel's peak over the process's whole life, start-up and warm-up included.
  const lifetimePeak = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(
    `${JSON.stringify({ before, peak, lifetimePeak, heapBefore, liveHeap, bytes, entries, elapsedMs })}\n`,
  );
}

function runChild(args: Record<string, string>) {
  return new Promise<{
    before: number;
    peak: number;
    lifetimePeak: number;
    heapBefore: number;
    liveHeap: number;
    bytes: number;
    entries: number;
    elapsedMs: number;
  }>((resolve, reject) => {
    const self = fileURLToPath(import.meta.url);
    const proc = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        self,
        '--child',
        ...Object.entries(args).map(([k, v]) => `--${k}=${v}`),
      ],
      { cwd: dirname(dirname(self)), stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (chunk) => {
      out += chunk;
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`the ZIP child exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
    });
  });
}

async function main() {
  await runBench('the ZIP bench', async (run) => {
    const base = await openBench(run, { durable: false, applicationName: 'batchreel-bench-zip' });
    await printBenchHeader('ZIP streaming: peak memory by number of videos', base);
    const root = await mkdtemp(join(tmpdir(), 'batchreel-bench-zip-'));
    run.defer(() => rm(root, { recursive: true, force: true }));
    const account = await base.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } });
    const sizes = flags.has('--quick') ? [100, 1_000] : [100, 10_000];
    const batches: { count: number; batchId: string }[] = [];
    const started = performance.now();
    for (const count of sizes) {
      const batch = await base.db.batchJob.create({
        data: {
          accountId: account.id,
          totalCount: count,
          requiredCredits: count * 10,
          costPerVideo: 10,
        },
      });
      // Rows set-based; the sha256 recorded is of the bytes written below.
      const video = randomBytes(VIDEO_BYTES);
      const sha = (await import('node:crypto')).createHash('sha256').update(video).digest('hex');
      await base.db.$executeRaw`
        INSERT INTO video_tasks (batch_id, account_id, batch_index, prompt, model, parameters,
                                 cost_credits, status, output_key, output_size, output_content_type,
                                 output_sha256, output_stored_at, output_expires_at, finished_at)
        SELECT ${batch.id}::uuid, ${account.id}::uuid, i, 'bench video #' || i, 'sora-2',
               '{"seconds":4,"size":"1280x720"}'::jsonb, 10, 'succeeded',
               'videos/' || ${account.id} || '/' || ${batch.id} || '/' || i || '-1.mp4',
               ${VIDEO_BYTES}, 'video/mp4', ${sha}, now(), now() + interval '30 days', now()
          FROM generate_series(0, ${count - 1}) AS i`;
      const dir = join(root, 'videos', account.id, batch.id);
      await mkdir(dir, { recursive: true });
      for (let i = 0; i < count; i++) await writeFile(join(dir, `${i}-1.mp4`), video);
      batches.push({ count, batchId: batch.id });
    }
    console.log(
      `  data      ${sizes.join(' and ')} stored videos of ${VIDEO_BYTES / 1024} KiB (${secondsSince(started)})\n`,
    );

    const rows: string[][] = [];
    for (const { count, batchId } of batches) {
      const result = await runChild({
        db: base.database.connectionString,
        root,
        key: SIGNING_KEY,
        batch: batchId,
        videos: String(count),
        warm: batches[0]?.batchId ?? batchId,
      });
      // Every video and the manifest.
      if (result.entries < count + 1 || result.bytes < count * VIDEO_BYTES) {
        throw new Error(`the ZIP of ${count} videos is wrong: ${JSON.stringify(result)}`);
      }
      const mib = (n: number) => fixed(n / 1024 / 1024, 1);
      rows.push([
        count.toLocaleString('en-US'),
        mib(result.bytes),
        mib(result.before),
        mib(result.peak),
        mib(result.peak - result.before),
        mib(result.lifetimePeak),
        mib(result.liveHeap - result.heapBefore),
        fixed(result.elapsedMs / 1000, 2),
        fixed(result.bytes / 1024 / 1024 / (result.elapsedMs / 1000), 0),
      ]);
    }
    console.log(
      table(
        [
          'videos',
          'ZIP MiB',
          'RSS before MiB',
          'peak RSS MiB',
          'growth MiB',
          'process max RSS MiB',
          'live heap growth MiB',
          'seconds',
          'MiB/s',
        ],
        rows,
      ),
    );
  });
}

const argv = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((arg) => arg.startsWith('--') && arg.includes('='))
    .map((arg) => [arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]),
);
if (process.argv.includes('--child')) {
  child(argv).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  await main();
}
