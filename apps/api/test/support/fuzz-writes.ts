import type { Database } from '@batchreel/db';

/** Per table: `rows:content-hash`; plus the pg-boss job count. Equal fingerprints, no write. */
export type WriteFingerprint = Record<string, string>;

/**
 * A one-query fingerprint of every application table (row count and a hash of every row's
 * content) and of the pg-boss jobs, cheap enough to take after each fuzzed request so that a
 * write is pinned to the request that made it (and fast-check can shrink that request).
 *
 * `api_keys.last_used_at` is left out: any authenticated request may record it (at most once a
 * minute), and that bookkeeping is not a write on the caller's behalf. pg-boss jobs are counted
 * only, like `snapshotDatabase` does: pg-boss maintains their state columns itself.
 */
export async function createWriteProbe(db: Database): Promise<() => Promise<WriteFingerprint>> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT format('%I.%I', schemaname, relname) AS name
      FROM pg_stat_user_tables
     WHERE schemaname = 'public' AND relname <> '_prisma_migrations'
     ORDER BY 1`;
  const parts = tables.map(
    ({ name }) =>
      `SELECT '${name}' AS name, count(*) || ':' || coalesce(sum(hashtextextended((to_jsonb(t) - 'last_used_at')::text, 0)), 0) AS value FROM ${name} t`,
  );
  parts.push(`SELECT 'pgboss.job' AS name, count(*)::text AS value FROM pgboss.job`);
  const sql = parts.join('\nUNION ALL\n');
  return async () => {
    const rows = await db.$queryRawUnsafe<{ name: string; value: string }[]>(sql);
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  };
}

/** The tables whose fingerprint changed, e.g. `batch_jobs 1:… → 2:…`; empty when none did. */
export function changedTables(before: WriteFingerprint, after: WriteFingerprint): string[] {
  return Object.keys({ ...before, ...after })
    .filter((name) => before[name] !== after[name])
    .map((name) => `${name} ${before[name]} → ${after[name]}`);
}
