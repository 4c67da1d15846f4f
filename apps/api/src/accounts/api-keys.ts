import { createHash, randomBytes } from 'node:crypto';
import { err, ok, type Result } from '@batchreel/billing';
import type { Database, Prisma } from '@batchreel/db';
import { isUuid } from '../platform/ids';

/**
 * The stored form of an API key. Keys are long random secrets, so a fast one-way hash is enough
 * (no dictionary to attack) and lets a request's key be found by an index lookup.
 */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Every generated key starts with this, so leaked keys are recognisable (e.g. by secret scanners). */
export const API_KEY_PREFIX = 'br_live_';

/** Random characters after {@link API_KEY_PREFIX}: 40 × log2(62) ≈ 238 bits of entropy. */
const SECRET_RANDOM_LENGTH = 40;
/** `br_live_` plus 4 random characters: enough to tell keys apart in a list, useless to attackers. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 4;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// Bytes at or above 248 (= 4 × 62) are discarded so `byte % 62` stays uniform.
const UNBIASED_BYTE_LIMIT = 256 - (256 % BASE62.length);

/** Longest label a key may carry; edges (REST, tRPC, CLI) validate against it before calling. */
export const API_KEY_NAME_MAX_LENGTH = 100;

/**
 * A new API key secret from the OS CSPRNG: `br_live_` + 40 base62 characters (≥ 238 bits), and
 * its display prefix (the first 12 characters, e.g. `br_live_Ab3d`).
 *
 * Invariant: every character after the prefix is drawn uniformly from [0-9A-Za-z].
 */
export function generateApiKeySecret(): { secret: string; displayPrefix: string } {
  let random = '';
  while (random.length < SECRET_RANDOM_LENGTH) {
    // Rejection sampling discards ~3% of bytes; ask for a margin so one round nearly always does.
    for (const byte of randomBytes(SECRET_RANDOM_LENGTH + 8)) {
      if (byte < UNBIASED_BYTE_LIMIT) random += BASE62[byte % BASE62.length];
      if (random.length === SECRET_RANDOM_LENGTH) break;
    }
  }
  const secret = API_KEY_PREFIX + random;
  return { secret, displayPrefix: secret.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** An API key as staff and clients may see it: never the secret, never its hash. */
export interface ApiKeyView {
  id: string;
  accountId: string;
  name: string;
  /** What people recognise the key by, e.g. `br_live_Ab3d` (`demo-key` for the demo key). */
  prefix: string;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

// The columns of a view; `keyHash` is deliberately absent so it cannot leak through a view.
const VIEW_SELECT = {
  id: true,
  accountId: true,
  name: true,
  prefix: true,
  createdBy: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const satisfies Prisma.ApiKeySelect;

/**
 * Creates an API key for an account. The secret is returned once, here, and never stored: only
 * its SHA-256 hash is. The key row and its `api_key.created` audit row (actor `createdBy`, `after`
 * = the view) are written in one transaction, so no key exists without its audit trail.
 *
 * Keys may be created for a suspended account; they authenticate once it is active again.
 * An unknown account is the `account_not_found` error. A name that is blank or longer than
 * {@link API_KEY_NAME_MAX_LENGTH} is a programmer error (edges validate it) and throws.
 */
export async function createApiKey(
  db: Database,
  input: { accountId: string; name: string; createdBy: string; actorUserId?: string | null },
): Promise<Result<{ apiKey: ApiKeyView; secret: string }, { code: 'account_not_found' }>> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > API_KEY_NAME_MAX_LENGTH) {
    throw new RangeError(`API key name must be 1 to ${API_KEY_NAME_MAX_LENGTH} characters`);
  }
  if (!isUuid(input.accountId)) return err({ code: 'account_not_found' });
  const { secret, displayPrefix } = generateApiKeySecret();

  return db.$transaction(async (tx) => {
    const account = await tx.account.findUnique({
      where: { id: input.accountId },
      select: { id: true },
    });
    if (!account) return err({ code: 'account_not_found' as const });
    const apiKey = await tx.apiKey.create({
      data: {
        accountId: account.id,
        name,
        prefix: displayPrefix,
        keyHash: hashApiKey(secret),
        createdBy: input.createdBy,
      },
      select: VIEW_SELECT,
    });
    await tx.auditLog.create({
      data: {
        actor: input.createdBy,
        actorUserId: input.actorUserId ?? null,
        action: 'api_key.created',
        targetType: 'api_key',
        targetId: apiKey.id,
        after: toAuditJson(apiKey),
      },
    });
    return ok({ apiKey, secret });
  });
}

/**
 * Revokes a key: sets `revoked_at`, after which it no longer authenticates. With `accountId`, a
 * key of another account is `not_found` (tenant isolation: its existence is not revealed).
 * Revoking twice is `already_revoked`, not an exception, so retries are harmless. The change and
 * its `api_key.revoked` audit row (actor `revokedBy`, `before`/`after`) share one transaction.
 */
export async function revokeApiKey(
  db: Database,
  input: { keyId: string; accountId?: string; revokedBy: string; actorUserId?: string | null },
): Promise<Result<ApiKeyView, { code: 'not_found' } | { code: 'already_revoked' }>> {
  if (!isUuid(input.keyId)) return err({ code: 'not_found' });
  if (input.accountId !== undefined && !isUuid(input.accountId)) return err({ code: 'not_found' });

  return db.$transaction(async (tx) => {
    // Lock the row first: two concurrent revokes then see each other's result instead of both
    // succeeding and writing two audit rows.
    await tx.$queryRaw`SELECT 1 FROM api_keys WHERE id = ${input.keyId}::uuid FOR UPDATE`;
    const before = await tx.apiKey.findUnique({ where: { id: input.keyId }, select: VIEW_SELECT });
    if (!before || (input.accountId !== undefined && before.accountId !== input.accountId)) {
      return err({ code: 'not_found' as const });
    }
    if (before.revokedAt) return err({ code: 'already_revoked' as const });
    const after = await tx.apiKey.update({
      where: { id: input.keyId },
      data: { revokedAt: new Date() },
      select: VIEW_SELECT,
    });
    await tx.auditLog.create({
      data: {
        actor: input.revokedBy,
        actorUserId: input.actorUserId ?? null,
        action: 'api_key.revoked',
        targetType: 'api_key',
        targetId: after.id,
        before: toAuditJson(before),
        after: toAuditJson(after),
      },
    });
    return ok(after);
  });
}

/** An account's keys, revoked ones included, newest first. An unknown account has none. */
export async function listApiKeys(db: Database, accountId: string): Promise<ApiKeyView[]> {
  if (!isUuid(accountId)) return [];
  return db.apiKey.findMany({
    where: { accountId },
    // `id` breaks ties between keys created in the same millisecond, so pages are stable.
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: VIEW_SELECT,
  });
}

/** The view as audit JSON: dates as ISO strings, so the row reads the same in any client. */
function toAuditJson(view: ApiKeyView): Prisma.InputJsonObject {
  return {
    id: view.id,
    accountId: view.accountId,
    name: view.name,
    prefix: view.prefix,
    createdBy: view.createdBy,
    createdAt: view.createdAt.toISOString(),
    lastUsedAt: view.lastUsedAt?.toISOString() ?? null,
    revokedAt: view.revokedAt?.toISOString() ?? null,
  };
}
