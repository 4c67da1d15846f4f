import type { Database } from '@batchreel/db';
import { audit } from '../staff/audit';
import type { StaffUser } from '../staff/identity';

/** One day, the unit the admin edits retention in. */
export const DAY_SECONDS = 86_400;
/** The bounds the database enforces (`accounts_video_retention_range`). */
export const RETENTION_LIMITS = { min: 1, max: 315_360_000 } as const;

export interface AccountStorage {
  accountId: string;
  retentionSeconds: number;
  /** Videos kept now and their bytes. */
  storedVideos: number;
  storedBytes: number;
  /** Videos deleted by retention so far. */
  expiredVideos: number;
}

/** What an account keeps in the store, and for how long. */
export async function accountStorage(
  db: Database,
  accountId: string,
): Promise<AccountStorage | null> {
  const account = await db.account.findUnique({
    where: { id: accountId },
    select: { id: true, videoRetentionSeconds: true },
  });
  if (!account) return null;
  const [usage] = await db.$queryRaw<{ videos: number; bytes: bigint | null; expired: number }[]>`
    SELECT count(*) FILTER (WHERE output_deleted_at IS NULL)::int AS videos,
           SUM(output_size) FILTER (WHERE output_deleted_at IS NULL) AS bytes,
           count(*) FILTER (WHERE output_deleted_at IS NOT NULL)::int AS expired
      FROM video_tasks
     WHERE account_id = ${accountId}::uuid AND output_key IS NOT NULL`;
  return {
    accountId: account.id,
    retentionSeconds: account.videoRetentionSeconds,
    storedVideos: usage?.videos ?? 0,
    storedBytes: Number(usage?.bytes ?? 0),
    expiredVideos: usage?.expired ?? 0,
  };
}

/** Every account's kept videos and retention, in one statement (the accounts list). */
export async function storageByAccount(
  db: Database,
): Promise<Omit<AccountStorage, 'expiredVideos'>[]> {
  const rows = await db.$queryRaw<
    { account_id: string; retention: number; videos: number; bytes: bigint | null }[]
  >`
    SELECT a.id AS account_id, a.video_retention_seconds AS retention,
           count(t.id)::int AS videos, SUM(t.output_size) AS bytes
      FROM accounts a
      LEFT JOIN video_tasks t
        ON t.account_id = a.id AND t.output_key IS NOT NULL AND t.output_deleted_at IS NULL
     GROUP BY a.id`;
  return rows.map((row) => ({
    accountId: row.account_id,
    retentionSeconds: row.retention,
    storedVideos: row.videos,
    storedBytes: Number(row.bytes ?? 0),
  }));
}

/**
 * Sets an account's retention period, audited. Videos it keeps now get the new expiry (stored
 * time + the new period) in the same transaction, so a shorter period applies at the next sweep
 * and a longer one saves what was due. Nothing touches the ledger.
 */
export async function setRetention(
  db: Database,
  by: StaffUser,
  input: { accountId: string; retentionSeconds: number },
): Promise<{ retentionSeconds: number; videosRescheduled: number } | null> {
  return db.$transaction(async (tx) => {
    const account = await tx.account.findUnique({
      where: { id: input.accountId },
      select: { videoRetentionSeconds: true },
    });
    if (!account) return null;
    await tx.account.update({
      where: { id: input.accountId },
      data: { videoRetentionSeconds: input.retentionSeconds },
    });
    const videosRescheduled = await tx.$executeRaw`
      UPDATE video_tasks
         SET output_expires_at = output_stored_at + make_interval(secs => ${input.retentionSeconds}::int),
             updated_at = now()
       WHERE account_id = ${input.accountId}::uuid
         AND output_key IS NOT NULL AND output_deleted_at IS NULL`;
    await audit(tx, by, {
      action: 'account.retention_set',
      targetType: 'account',
      targetId: input.accountId,
      before: { retentionSeconds: account.videoRetentionSeconds },
      after: { retentionSeconds: input.retentionSeconds, videosRescheduled },
    });
    return { retentionSeconds: input.retentionSeconds, videosRescheduled };
  });
}
