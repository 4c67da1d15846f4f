import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Prisma } from '@batchreel/db';
import { createAccount } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/accounts/api-keys';
import { batchListStatement } from '../src/batches/read';
import { idPrefixRange } from '../src/platform/ids';
import { startTestApp, type TestApp } from './helpers';
import { expectNothingWritten, snapshotDatabase } from './support/db-snapshot';
import { loadOpenApi, type OpenApiDoc, requestAndCheck } from './support/openapi';

const LIST = '/api/enterprise/video-batches';

interface Summary {
  batch_id: string;
  status: string;
  total_count: number;
  success_count: number;
  failed_count: number;
  canceled_count: number;
  pending_count: number;
  frozen_credits: number;
  refunded_credits: number;
  net_spent_credits: number;
  settlement_status: string;
  created_at: string;
}
interface Page {
  ok: true;
  data: Summary[];
  has_more: boolean;
  next_cursor: string | null;
}
interface ErrorBody {
  ok: false;
  error: { code: string; message: string; details: { path: string; message: string }[] };
}

// Ids chosen so that prefixes collide: two of A's batches and one of B's start with `c0ffee`.
const A_RUNNING = 'c0ffee11-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const A_SETTLED = 'c0ffee22-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const A_OTHER = 'd00d0000-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const B_BATCH = 'c0ffee33-bbbb-4bbb-8bbb-bbbbbbbbbbbb';

describe('GET /api/enterprise/video-batches', () => {
  let app: TestApp;
  let doc: OpenApiDoc;
  let aAccount = '';
  let bKey = '';

  const list = <Body = Page>(query: string, key = 'demo-key') =>
    requestAndCheck<Body>(doc, app.baseUrl, {
      method: 'GET',
      path: `${LIST}${query}`,
      template: LIST,
      headers: { 'x-api-key': key },
    });

  beforeAll(async () => {
    app = await startTestApp();
    doc = await loadOpenApi(app.baseUrl);
    aAccount = (await app.db.account.findFirstOrThrow({ where: { name: 'Demo Corp' } })).id;
    const b = await createAccount(app.db, { credits: 100 });
    const key = await createApiKey(app.db, { accountId: b.id, name: 'B', createdBy: 'test' });
    if (!key.ok) throw new Error(key.error.code);
    bKey = key.value.secret;

    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
    // Oldest first: A_SETTLED (settled with figures), A_OTHER, then A_RUNNING (live counts).
    await app.db.batchJob.create({
      data: {
        id: A_SETTLED,
        accountId: aAccount,
        status: 'partial',
        totalCount: 3,
        costPerVideo: 10,
        requiredCredits: 30,
        createdAt: at(30),
        settledAt: at(29),
        settlementStatus: 'refunded',
        successCount: 2,
        failedCount: 1,
        frozenCredits: 30,
        creditsSpent: 20,
        refundedCredits: 10,
      },
    });
    await app.db.batchJob.create({
      data: {
        id: A_OTHER,
        accountId: aAccount,
        totalCount: 1,
        costPerVideo: 10,
        requiredCredits: 10,
        createdAt: at(20),
      },
    });
    await app.db.batchJob.create({
      data: {
        id: A_RUNNING,
        accountId: aAccount,
        status: 'processing',
        totalCount: 3,
        costPerVideo: 10,
        requiredCredits: 30,
        createdAt: at(10),
      },
    });
    await app.db.videoTask.createMany({
      data: (['succeeded', 'failed', 'running'] as const).map((status, i) => ({
        batchId: A_RUNNING,
        accountId: aAccount,
        batchIndex: i,
        prompt: `prompt ${i}`,
        model: 'sora-2',
        costCredits: 10,
        status,
        ...(status === 'failed' ? { errorCode: 'timeout', errorMessage: 'timeout' } : {}),
      })),
    });
    await app.db.batchJob.create({
      data: {
        id: B_BATCH,
        accountId: b.id,
        totalCount: 1,
        costPerVideo: 10,
        requiredCredits: 10,
        createdAt: at(5),
      },
    });
  });

  afterAll(async () => {
    await app?.close();
  });

  it("lists the account's batches newest first, page by page, and never another account's", async () => {
    const all = await list('');
    expect(all.status).toBe(200);
    expect(all.body.data.map((b) => b.batch_id)).toEqual([A_RUNNING, A_OTHER, A_SETTLED]);
    expect(all.body.has_more).toBe(false);
    expect(all.body.next_cursor).toBeNull();
    expect(all.text).not.toContain(B_BATCH);

    const first = await list('?limit=2');
    expect(first.body.data.map((b) => b.batch_id)).toEqual([A_RUNNING, A_OTHER]);
    expect(first.body.has_more).toBe(true);
    const second = await list(`?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data.map((b) => b.batch_id)).toEqual([A_SETTLED]);
    expect(second.body.has_more).toBe(false);

    const mine = await list('', bKey);
    expect(mine.body.data.map((b) => b.batch_id)).toEqual([B_BATCH]);

    const processing = await list('?status=processing');
    expect(processing.body.data.map((b) => b.batch_id)).toEqual([A_RUNNING]);
  });

  it('counts tasks live while a batch runs and keeps the settled figures afterwards', async () => {
    const { body } = await list('');
    const running = body.data.find((b) => b.batch_id === A_RUNNING);
    expect(running).toMatchObject({
      status: 'processing',
      total_count: 3,
      success_count: 1,
      failed_count: 1,
      canceled_count: 0,
      pending_count: 1,
      settlement_status: 'pending',
    });
    const settled = body.data.find((b) => b.batch_id === A_SETTLED);
    expect(settled).toMatchObject({
      status: 'partial',
      success_count: 2,
      failed_count: 1,
      pending_count: 0,
      settlement_status: 'refunded',
      frozen_credits: 30,
      refunded_credits: 10,
      net_spent_credits: 20,
    });
    expect(body.data.some((b) => 'breakdown' in b)).toBe(false);
  });

  it('finds batches by the start of their id: unique, ambiguous, none, and never across accounts', async () => {
    const ids = async (prefix: string, key?: string) =>
      (await list(`?id_prefix=${encodeURIComponent(prefix)}`, key)).body.data.map(
        (b) => b.batch_id,
      );
    // The 8 characters the admin and the CLI show.
    expect(await ids(A_RUNNING.slice(0, 8))).toEqual([A_RUNNING]);
    expect(await ids(A_RUNNING.slice(0, 8).toUpperCase())).toEqual([A_RUNNING]);
    expect(await ids('c0ffee11-aaaa')).toEqual([A_RUNNING]);
    expect(await ids(A_RUNNING)).toEqual([A_RUNNING]);
    expect(await ids(A_RUNNING.replaceAll('-', ''))).toEqual([A_RUNNING]);
    // Ambiguous: every match, newest first; B's c0ffee33 is not among them.
    expect(await ids('c0ffee')).toEqual([A_RUNNING, A_SETTLED]);
    expect(await ids('c0ff')).toEqual([A_RUNNING, A_SETTLED]);
    // B's batch, asked for by A: nothing, exactly like an id that does not exist.
    expect(await ids(B_BATCH.slice(0, 8))).toEqual([]);
    expect(await ids('0123abcd')).toEqual([]);
    expect(await ids(B_BATCH.slice(0, 8), bKey)).toEqual([B_BATCH]);
    expect(await ids('c0ffee', bKey)).toEqual([B_BATCH]);
  });

  it('refuses a malformed prefix, cursor or filter with 422 naming the parameter, and writes nothing', async () => {
    const before = await snapshotDatabase(app.db);
    const cases: [string, string][] = [
      ['?id_prefix=c0f', 'query.id_prefix'], // too short to be useful
      ['?id_prefix=', 'query.id_prefix'],
      ['?id_prefix=xyz12345', 'query.id_prefix'], // not hexadecimal
      ['?id_prefix=c0ff%25', 'query.id_prefix'], // a LIKE wildcard is not a digit
      ['?id_prefix=c0ff-ee11', 'query.id_prefix'], // a hyphen where a uuid has none
      [`?id_prefix=${A_RUNNING}0`, 'query.id_prefix'], // longer than an id
      ['?id_prefix=c0ffee&id_prefix=d00d', 'query.id_prefix'], // twice
      ['?cursor=nope', 'query.cursor'],
      ['?limit=0', 'query.limit'],
      ['?limit=101', 'query.limit'],
      ['?status=lost', 'query.status'],
      ['?account_id=x', 'query.account_id'], // not a filter of this list
    ];
    for (const [query, path] of cases) {
      const answer = await list<ErrorBody>(query);
      expect({ query, status: answer.status }).toEqual({ query, status: 422 });
      expect(answer.body.error.code).toBe('invalid_request');
      expect(answer.body.error.details.map((d) => d.path)).toContain(path);
    }
    const tooShort = await list<ErrorBody>('?id_prefix=c0f');
    expect(tooShort.body.error.details[0]?.message).toMatch(/at least 4 hexadecimal digits/);
    const notHex = await list<ErrorBody>('?id_prefix=xyz12345');
    expect(notHex.body.error.details[0]?.message).toMatch(/hexadecimal/);
    await expectNothingWritten(app.db, before);
  });

  it("lets `batchreel status` take a short id: unique → the batch, ambiguous → the candidates, another account's → not found", async () => {
    // The real binary this package depends on, against this server.
    const batchreel = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          join(import.meta.dirname, '../node_modules/.bin/batchreel'),
          args,
          {
            env: {
              PATH: process.env.PATH ?? '',
              BATCHREEL_API_URL: app.baseUrl,
              BATCHREEL_API_KEY: 'demo-key',
            },
          },
          (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
        );
      });
    const unique = await batchreel('status', 'c0ffee11');
    expect(unique.code).toBe(0);
    expect(unique.stdout).toContain(`Batch ${A_RUNNING}`);

    const ambiguous = await batchreel('status', 'c0ffee');
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stdout).toBe('');
    const lines = ambiguous.stderr.trim().split('\n');
    expect(lines[0]).toBe(
      '"c0ffee" is ambiguous: 2 batches of this account start with it. Give more of the id:',
    );
    expect(lines.slice(1).map((line) => line.trim().split(/\s+/)[0])).toEqual([
      A_RUNNING,
      A_SETTLED,
    ]);
    expect(ambiguous.stderr).not.toContain(B_BATCH);

    const foreign = await batchreel('status', B_BATCH.slice(0, 8));
    expect(foreign.code).toBe(7);
    expect(foreign.stderr).toContain('no batch of this account starts with c0ffee33');
  });

  it('answers 401 without a key', async () => {
    const answer = await requestAndCheck<ErrorBody>(doc, app.baseUrl, {
      method: 'GET',
      path: `${LIST}?id_prefix=c0ffee`,
      template: LIST,
    });
    expect(answer.status).toBe(401);
  });

  it('serves a prefix from the primary key, not by reading every batch (60,000 batches)', async () => {
    const big = await createAccount(app.db, { credits: 0 });
    // One account owning nearly every row is the worst case for "filter the account's batches".
    await app.db.$executeRaw`
      INSERT INTO batch_jobs (account_id, total_count, required_credits, created_at)
      SELECT ${big.id}::uuid, 1, 10, now() - make_interval(secs => g)
        FROM generate_series(1, 60000) g`;
    await app.db.$executeRaw`ANALYZE batch_jobs`;
    const [sample] = await app.db.$queryRaw<{ id: string }[]>`
      SELECT id::text FROM batch_jobs WHERE account_id = ${big.id}::uuid LIMIT 1`;
    const range = idPrefixRange(sample?.id.slice(0, 8) ?? '');
    if ('problem' in range) throw new Error(range.problem);

    const plan = async (statement: Prisma.Sql) =>
      (await app.db.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN ${statement}`)
        .map((row) => row['QUERY PLAN'])
        .join('\n');
    const prefixPlan = await plan(batchListStatement({ accountId: big.id, range, limit: 20 }));
    expect(prefixPlan).toMatch(/Index Cond: \(\(id >= .*\) AND \(id <= .*\)\)/);
    expect(prefixPlan).toContain('batch_jobs_pkey');
    expect(prefixPlan).not.toMatch(/Seq Scan on batch_jobs/);

    // The same answer through HTTP, for a key of that account.
    const key = await createApiKey(app.db, { accountId: big.id, name: 'big', createdBy: 'test' });
    if (!key.ok) throw new Error(key.error.code);
    const found = await list(`?id_prefix=${sample?.id.slice(0, 8)}`, key.value.secret);
    expect(found.body.data.map((b) => b.batch_id)).toContain(sample?.id);

    // Without a prefix the newest page is read in index order, not sorted out of 60,000.
    const newestPlan = await plan(batchListStatement({ accountId: big.id, limit: 20 }));
    expect(newestPlan).toMatch(/Index Scan using batch_jobs_\w*created_at_id_idx/);
    expect(newestPlan).not.toMatch(/Seq Scan on batch_jobs|Sort/);
  });
});
