// Admission latency benchmark (`pnpm bench`, or `pnpm --filter @batchreel/api bench:admission`).
//
// Starts the real server (buildServer + listen on 127.0.0.1) on a real, freshly migrated
// PostgreSQL with a real pg-boss, and times `POST /api/enterprise/video-batch` over real HTTP with
// Node's fetch (undici, keep-alive). The client runs in the same process as the server, so the two
// share one event loop and the machine's cores: figures include the client's cost, and on a
// 2-core machine that is conservative.
//
// It is a report, not a test: it always exits 0 when it ran, and says MISSED when a target is
// missed. See docs/benchmarks.md for what is measured and the figures from this machine. Its
// flags: USAGE below, or `--help`.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Database } from '@batchreel/db';
import { admitBatch, fingerprint, priceBatch } from '../src/batches/admission';
import { type CreateBatchRequest, CreateBatchRequestSchema } from '../src/batches/schemas';
import { DEMO } from '../src/demo/seed';
import type { Queue } from '../src/platform/queue';
import { batchBody } from './support/bodies';
import {
  type BenchRun,
  grantBenchCredits,
  openBench,
  printBenchHeader,
  runBench,
  startBenchQueue,
  startBenchServer,
} from './support/bootstrap';
import { benchFlags } from './support/flags';
import { fixed as ms, prng, type Summary, shuffle, summarise, table } from './support/stats';

// ---------------------------------------------------------------------------------------------
// Plan

const USAGE = `usage: pnpm --filter @batchreel/api bench:admission [--quick] [--durable] [--no-phases]

  --quick      a smoke run: a handful of runs per case (figures not meaningful)
  --durable    embedded PostgreSQL with fsync and synchronous_commit ON (default: off, like the
               test cluster); ignored with DATABASE_URL
  --no-phases  skip the in-process breakdown of where the 10,000-item time goes`;

const flags = benchFlags(USAGE);
const QUICK = flags.has('--quick');
const DURABLE = flags.has('--durable');
const PHASES = !flags.has('--no-phases');

const SMALL = 20;
const LARGE = 10_000;
const TARGET_LARGE_MS = 500;
const TARGET_SMALL_MS = 20;

/** Every body: the demo's `sora-2` items, realistic prompts, serialised once before timing. */
const BODY = { model: DEMO.model.id, source: 'bench' };

const plan = QUICK
  ? { warmSmall: 5, warmLarge: 1, rounds: 3, smallPerRound: 3 }
  : { warmSmall: 30, warmLarge: 3, rounds: 40, smallPerRound: 6 };

type CaseId = 'large' | 'small' | 'smallNoId' | 'replay';

const CASES: Record<CaseId, { label: string; items: number; targetMs?: number }> = {
  small: { label: '20 items, X-Request-ID', items: SMALL, targetMs: TARGET_SMALL_MS },
  large: { label: '10,000 items, X-Request-ID', items: LARGE, targetMs: TARGET_LARGE_MS },
  smallNoId: { label: '20 items, no X-Request-ID', items: SMALL },
  replay: { label: '20 items, replay (same id+body)', items: SMALL },
};

// ---------------------------------------------------------------------------------------------
// Client

interface Target {
  baseUrl: string;
}

/** One admission over HTTP; resolves to the elapsed milliseconds once the whole answer is read. */
async function admit(
  target: Target,
  body: string,
  requestId: string | null,
  expectReplay = false,
): Promise<number> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-api-key': DEMO.apiKey,
  };
  if (requestId) headers['x-request-id'] = requestId;
  const started = performance.now();
  const response = await fetch(`${target.baseUrl}/api/enterprise/video-batch`, {
    method: 'POST',
    headers,
    body,
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  const replayed = response.headers.get('idempotent-replayed') === 'true';
  if (response.status !== 202 || replayed !== expectReplay) {
    throw new Error(
      `unexpected answer ${response.status} (replayed: ${replayed}): ${text.slice(0, 500)}`,
    );
  }
  return elapsed;
}

const newRequestId = () => `bench-${randomUUID()}`;

// ---------------------------------------------------------------------------------------------
// Phases: where the 10,000-item time goes, measured in-process on the same functions the route
// calls (no HTTP, no Fastify)

interface PhaseContext {
  db: Database;
  queue: Queue;
  accountId: string;
  largeBody: string;
}

const PHASE = {
  parse: 'JSON.parse of the body',
  zod: 'zod: CreateBatchRequestSchema',
  price: 'priceBatch (model query, item checks, quote)',
  fingerprint: 'fingerprint (stable stringify + sha256)',
  admit: 'admitBatch total (price + fingerprint + transaction)',
  transaction: '≈ transaction (admitBatch − priceBatch − fingerprint)',
} as const;

/** One in-process 10,000-item admission, timed phase by phase. */
async function measurePhases(
  { db, queue, accountId, largeBody }: PhaseContext,
  samples: Record<string, number[]>,
) {
  const record = (name: string, value: number) => {
    samples[name] ??= [];
    samples[name].push(value);
  };
  const time = async <T>(name: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    record(name, performance.now() - started);
    return result;
  };
  const raw: unknown = await time(PHASE.parse, () => JSON.parse(largeBody));
  const parsed = await time(PHASE.zod, () => CreateBatchRequestSchema.safeParse(raw));
  if (!parsed.success) throw new Error('bench body does not validate');
  const body: CreateBatchRequest = parsed.data;
  const price = await time(PHASE.price, () =>
    priceBatch(db, body, { allowPrivateNetworks: false }),
  );
  if (!price.ok) throw new Error('bench body does not price');
  await time(PHASE.fingerprint, () => fingerprint(raw));
  const requestId = newRequestId();
  const admitted = await time(PHASE.admit, () =>
    admitBatch(db, queue, {
      accountId,
      idempotencyKey: requestId,
      requestId,
      body,
      rawBody: raw,
      allowPrivateNetworks: false,
    }),
  );
  if (!admitted.ok) throw new Error(`in-process admission refused: ${admitted.error.code}`);
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(run: BenchRun) {
  const base = await openBench(run, { durable: DURABLE, applicationName: 'batchreel-bench' });
  const { db } = base;
  const queue = await startBenchQueue(run, base);
  const account = await db.account.findFirstOrThrow({ where: { name: DEMO.accountName } });

  // Every admitted batch stays `queued` (no worker here) and keeps its credits reserved, so
  // grant enough for every planned admission up front, with a margin.
  const largeAdmissions = plan.warmLarge + plan.rounds * (PHASES ? 2 : 1);
  const smallAdmissions = (plan.warmSmall + plan.rounds * plan.smallPerRound) * 2 + 1;
  await grantBenchCredits(
    db,
    account.id,
    Math.ceil((largeAdmissions * LARGE + smallAdmissions * SMALL) * DEMO.model.priceCredits * 1.1),
  );

  const server = await startBenchServer({ db, queue, logger: base.logger });
  run.defer(() => server.close());
  const { baseUrl } = server;
  const target: Target = { baseUrl };

  await printBenchHeader('Batchreel admission benchmark', base);
  console.log(`  server    ${baseUrl} (same process as the client: fetch/undici, keep-alive)`);
  console.log(
    `  plan      ${QUICK ? 'QUICK (smoke run, figures not meaningful)' : 'full'}: ` +
      `${plan.rounds} rounds × (1 × 10,000 items + ${plan.smallPerRound} × each 20-item case), shuffled within each round`,
  );

  const smallBody = batchBody(SMALL, BODY);
  const largeBody = batchBody(LARGE, BODY);
  console.log(
    `  bodies    20 items ${(smallBody.length / 1024).toFixed(1)} KiB; ` +
      `10,000 items ${(largeBody.length / 1024 / 1024).toFixed(2)} MiB (serialised once, before timing)`,
  );

  // The replay case answers from this batch's idempotency record every time.
  const replayId = newRequestId();
  await admit(target, smallBody, replayId);

  const runCase = (id: CaseId): Promise<number> => {
    switch (id) {
      case 'small':
        return admit(target, smallBody, newRequestId());
      case 'large':
        return admit(target, largeBody, newRequestId());
      case 'smallNoId':
        return admit(target, smallBody, null);
      case 'replay':
        return admit(target, smallBody, replayId, true);
    }
  };

  // Warm-up (not counted): JIT, connection pools, keep-alive socket, PostgreSQL caches.
  for (let i = 0; i < plan.warmLarge; i++) await runCase('large');
  for (let i = 0; i < plan.warmSmall; i++) {
    await runCase('small');
    await runCase('smallNoId');
    await runCase('replay');
  }

  // Rounds: each holds one 10,000-item request, `smallPerRound` of each 20-item case and (unless
  // --no-phases) one in-process phase measurement, shuffled, so drift and noise (other tenants
  // of the machine, autovacuum, growing tables) fall on every case alike.
  const samples: Record<CaseId, number[]> = { small: [], large: [], smallNoId: [], replay: [] };
  const phaseSamples: Record<string, number[]> = {};
  const phaseContext: PhaseContext = { db, queue, accountId: account.id, largeBody };
  const random = prng(20_261_125);
  for (let round = 0; round < plan.rounds; round++) {
    const order: (CaseId | 'phases')[] = ['large'];
    if (PHASES) order.push('phases');
    for (let i = 0; i < plan.smallPerRound; i++) order.push('small', 'smallNoId', 'replay');
    for (const id of shuffle(order, random)) {
      if (id === 'phases') await measurePhases(phaseContext, phaseSamples);
      else samples[id].push(await runCase(id));
    }
  }

  const summaries = Object.fromEntries(
    (Object.keys(CASES) as CaseId[]).map((id) => [id, summarise(samples[id])]),
  ) as Record<CaseId, Summary>;

  const verdicts: string[] = [];
  const rows = (Object.keys(CASES) as CaseId[]).map((id) => {
    const { label, targetMs } = CASES[id];
    const s = summaries[id];
    let verdict = '';
    if (targetMs !== undefined) {
      const pass = s.median <= targetMs;
      verdict = pass ? 'pass' : 'MISSED';
      verdicts.push(
        `${label}: median ${ms(s.median)} ms vs target ≤ ${targetMs} ms → ${pass ? 'pass' : 'MISSED'}`,
      );
    }
    return [
      label,
      String(s.runs),
      ms(s.median),
      ms(s.p95),
      ms(s.min),
      ms(s.max),
      targetMs === undefined ? '—' : `≤ ${targetMs}`,
      verdict || '—',
    ];
  });
  console.log('\nPOST /api/enterprise/video-batch, milliseconds per request (client-side)\n');
  console.log(
    table(['case', 'runs', 'median', 'p95', 'min', 'max', 'target (median)', 'result'], rows),
  );
  const large = summaries.large;
  const small = summaries.small;
  console.log('');
  console.log(
    `ratio 10,000-item median / 20-item median: ${(large.median / small.median).toFixed(1)}× ` +
      `(item ratio 500×)`,
  );
  console.log(
    `per-item cost at 10,000 items: ${((large.median / LARGE) * 1000).toFixed(1)} µs ` +
      `(median / 10,000)`,
  );
  console.log(
    `20 items without X-Request-ID / with: ${(summaries.smallNoId.median / small.median).toFixed(2)}×; ` +
      `replay / fresh 20 items: ${(summaries.replay.median / small.median).toFixed(2)}×`,
  );
  const half = Math.floor(samples.large.length / 2);
  console.log(
    `10,000-item median, first half of the rounds vs second half: ` +
      `${ms(summarise(samples.large.slice(0, half)).median)} / ` +
      `${ms(summarise(samples.large.slice(half)).median)} ms (drift check: the tables grow every round)`,
  );
  console.log('');
  for (const verdict of verdicts) console.log(verdict);

  if (PHASES) {
    const phases: Record<string, number> = Object.fromEntries(
      Object.entries(phaseSamples).map(([name, values]) => [name, summarise(values).median]),
    );
    const parsing = (phases[PHASE.parse] ?? 0) + (phases[PHASE.zod] ?? 0);
    const direct = phases[PHASE.admit] ?? 0;
    phases[PHASE.transaction] =
      direct - (phases[PHASE.price] ?? 0) - (phases[PHASE.fingerprint] ?? 0);
    console.log(
      `\nWhere the 10,000-item time goes: in-process (no HTTP), the route's own functions, ` +
        `median of ${plan.rounds} runs interleaved with the above\n`,
    );
    console.log(
      table(
        ['phase', 'median ms'],
        Object.values(PHASE).map((name) => [name, ms(phases[name] ?? Number.NaN)]),
      ),
    );
    console.log(
      `\nHTTP median − (JSON.parse + zod + admitBatch) ≈ ${ms(large.median - parsing - direct)} ms ` +
        '(body transfer, Fastify, auth query, response, client; medians do not add exactly)',
    );
  }
}

await runBench('the server and the database', main);
