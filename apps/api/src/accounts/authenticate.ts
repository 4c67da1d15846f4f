import type { Database } from '@batchreel/db';
import { hashApiKey } from './api-keys';

/** Who a request with a valid `X-API-Key` acts for. */
export interface ApiKeyPrincipal {
  keyId: string;
  /** Safe to log and to show: the key's display prefix, never the secret. */
  keyPrefix: string;
  accountId: string;
  accountName: string;
}

/** Generated keys are 48 characters; anything far longer is not a key and is refused unhashed. */
const MAX_PRESENTED_LENGTH = 200;
/** `last_used_at` is a "roughly when" for staff, so one write a minute per key is plenty. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyRow {
  id: string;
  prefix: string;
  account_id: string;
  account_name: string;
  last_used_at: Date | null;
}

/**
 * Resolves a presented `X-API-Key` to its account, or `null` when the key is unknown, revoked, or
 * belongs to an account that is not `active` (callers answer all three with the same 401, so a
 * caller cannot probe which it was).
 *
 * Cost on the hot path: one indexed query (the unique `key_hash` index, joined to the account by
 * primary key). No constant-time comparison is needed: the database compares SHA-256 hashes of a
 * secret with ≥ 238 bits of entropy, so timing reveals at most a prefix of a hash, which brings an
 * attacker no closer to a secret that hashes to it.
 *
 * `last_used_at` is recorded at most once a minute per key, by a conditional UPDATE that is not
 * awaited: a slow or failed bookkeeping write must never delay or fail a request. Its errors are
 * passed to `onError` (for logging) and otherwise ignored.
 */
export async function authenticateApiKey(
  db: Database,
  presented: string,
  options: { now?: Date; onError?: (e: unknown) => void } = {},
): Promise<ApiKeyPrincipal | null> {
  if (presented.length === 0 || presented.length > MAX_PRESENTED_LENGTH) return null;
  const rows = await db.$queryRaw<KeyRow[]>`
    SELECT k.id, k.prefix, k.account_id, a.name AS account_name, k.last_used_at
    FROM api_keys k
    JOIN accounts a ON a.id = k.account_id
    WHERE k.key_hash = ${hashApiKey(presented)}
      AND k.revoked_at IS NULL
      AND a.status = 'active'`;
  const row = rows[0];
  if (!row) return null;

  const now = options.now ?? new Date();
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
  // Skipping here saves a write on nearly every request; the WHERE clause below is what really
  // keeps it to once a minute when several API replicas see the same key at the same moment.
  if (!row.last_used_at || row.last_used_at <= staleBefore) {
    db.apiKey
      .updateMany({
        where: { id: row.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: staleBefore } }] },
        data: { lastUsedAt: now },
      })
      .catch((error: unknown) => options.onError?.(error));
  }

  return {
    keyId: row.id,
    keyPrefix: row.prefix,
    accountId: row.account_id,
    accountName: row.account_name,
  };
}
