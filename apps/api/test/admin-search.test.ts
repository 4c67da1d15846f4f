import { createAccount, createBatch } from '@batchreel/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '../src/demo/seed';
import { startTestApp, type TestApp } from './helpers';
import { callerFor, createStaff, type Staff } from './support/admin';

// The failed-task search's text filter first tests the newest 2,000 candidates, then falls back to
// the trigram index (admin-router.ts). Whichever step answers, the pages must be exactly what a
// plain scan of every failed task gives: same rows, same order, nothing skipped or repeated.

const FAILED = 2_600;
/** Tasks whose prompt mentions a unicorn: rare, so the trigram index serves them. */
const UNICORNS = new Set([17, 1_234, 2_599]);

let t: TestApp;
let support: Staff;
let accountId: string;

interface Failure {
  id: string;
  prompt: string;
  error_message: string;
  error_code: string;
  finished_at: Date;
}
let failures: Failure[];

beforeAll(async () => {
  t = await startTestApp();
  support = await createStaff(t.db, 'support');
  const account = await createAccount(t.db, { name: 'Search Co' });
  accountId = account.id;
  const model = await t.db.model.findUniqueOrThrow({ where: { id: DEMO.model.id } });
  const { batch } = await createBatch(t.db, { accountId, model, taskCount: 1 });
  // Two failures share every finished_at, so the id breaks ties on each page boundary.
  await t.db.$executeRaw`
    INSERT INTO video_tasks (batch_id, account_id, batch_index, prompt, model, status, cost_credits,
                             attempts, error_code, error_message, finished_at)
    SELECT ${batch.id}::uuid, ${accountId}::uuid, i,
           CASE WHEN i % 2 = 0 THEN 'An orange cat #' ELSE 'A grey dog #' END || i
             || CASE WHEN i = ANY(${[...UNICORNS]}::int[]) THEN ' with a unicorn' ELSE '' END,
           ${model.id}, 'failed', 10, 1,
           CASE WHEN i % 3 = 0 THEN 'timeout' ELSE 'provider_error' END,
           'Provider said no #' || i,
           now() - make_interval(secs => i / 2)
      FROM generate_series(1, ${FAILED}) AS i`;
  await t.db.$executeRaw`ANALYZE video_tasks`;
  failures = await t.db.$queryRaw<Failure[]>`
    SELECT id::text, prompt, error_message, error_code, finished_at FROM video_tasks
     WHERE status = 'failed'`;
});
afterAll(() => t?.close());

/** The reference answer: every failure, filtered in JavaScript, newest first, id breaking ties. */
function expected(filter: { text?: string; errorCode?: string }) {
  const needle = filter.text?.toLowerCase();
  return failures
    .filter((f) => !needle || `${f.prompt} ${f.error_message}`.toLowerCase().includes(needle))
    .filter((f) => !filter.errorCode || f.error_code === filter.errorCode)
    .sort(
      (a, b) =>
        b.finished_at.getTime() - a.finished_at.getTime() ||
        (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .map((f) => f.id);
}

/** Every page of a search, concatenated. */
async function allPages(filter: { text?: string; errorCode?: string }, limit: number) {
  const caller = callerFor(t, support.user);
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await caller.batches.searchFailed({ ...filter, accountId, limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((i) => i.taskId));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('failed-task search on thousands of failures', () => {
  it.each([
    ['a rare text (trigram index)', { text: 'unicorn' }, 50],
    ['a rare text with an error code', { text: 'UNICORN', errorCode: 'provider_error' }, 1],
    ['a text only old failures match', { text: 'dog #25' }, 20],
    ['a common text (newest candidates)', { text: 'orange cat' }, 200],
    ['a common text, small pages', { text: 'grey dog #1' }, 37],
    ['text in the error message', { text: 'said no #12' }, 5],
    ['an error code alone', { errorCode: 'timeout' }, 150],
  ])('%s: every page as a full scan would give', async (_label, filter, limit) => {
    const want = expected(filter);
    expect(want.length).toBeGreaterThan(0);
    expect(await allPages(filter, limit)).toEqual(want);
  });

  it('answers an empty page for a short text nothing matches', async () => {
    expect(expected({ text: 'qzx' })).toEqual([]);
    expect(await allPages({ text: 'qzx' }, 50)).toEqual([]);
  });

  it('answers the first page of a common text from the newest failures', async () => {
    const page = await callerFor(t, support.user).batches.searchFailed({ text: 'orange cat' });
    expect(page.items.map((i) => i.taskId)).toEqual(expected({ text: 'orange cat' }).slice(0, 50));
    expect(page.nextCursor).not.toBeNull();
    expect(await allPages({ text: 'unicorn' }, 2)).toHaveLength(UNICORNS.size);
    // Nothing found is an empty page, whichever step decided it.
    expect(await allPages({ text: 'no such words' }, 50)).toEqual([]);
    expect(await allPages({ text: 'unicorn', errorCode: 'timeout' }, 50)).toEqual([]);
  });
});
