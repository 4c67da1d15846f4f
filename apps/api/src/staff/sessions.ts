import { createHash, randomBytes } from 'node:crypto';
import { err, ok, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import { hasRole, type StaffRole, type StaffUser } from './identity';

/** A session lasts at most this long, and ends sooner after this much inactivity. */
export const SESSION_MAX_AGE_MS = 12 * 3_600_000;
export const SESSION_IDLE_MS = 2 * 3_600_000;
/** `last_seen_at` is written at most this often per session. */
const TOUCH_RESOLUTION_MS = 60_000;

export const SESSION_COOKIE = 'br_admin_session';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new session: the random token goes to the cookie, only its SHA-256 to the database. */
export async function createSession(db: Database, userId: string) {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_MAX_AGE_MS);
  const session = await db.adminSession.create({
    data: { userId, tokenHash: hashToken(token), expiresAt },
  });
  return { token, sessionId: session.id, expiresAt };
}

/**
 * The staff member behind a session token, or null when the token is unknown, revoked, expired,
 * idle too long, or its user is disabled.
 */
export async function resolveSession(
  db: Database,
  token: string | undefined,
): Promise<{ user: StaffUser; sessionId: string } | null> {
  if (!token || token.length > 100) return null;
  const session = await db.adminSession.findUnique({
    where: { tokenHash: hashToken(token) },
    include: { user: true },
  });
  const now = Date.now();
  if (
    !session ||
    session.revokedAt ||
    session.expiresAt.getTime() <= now ||
    now - session.lastSeenAt.getTime() > SESSION_IDLE_MS ||
    session.user.disabledAt
  ) {
    return null;
  }
  if (now - session.lastSeenAt.getTime() > TOUCH_RESOLUTION_MS) {
    await db.adminSession.update({ where: { id: session.id }, data: { lastSeenAt: new Date() } });
  }
  const { user } = session;
  return {
    sessionId: session.id,
    user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
  };
}

/**
 * The staff member behind a session token, when they hold `role` (or a higher one): what a plain
 * HTTP request authenticated by the session cookie checks, e.g. a download.
 */
export async function sessionWithRole(
  db: Database,
  token: string | undefined,
  role: StaffRole,
): Promise<Result<StaffUser, { code: 'sign_in_first' | 'role_required' }>> {
  const session = await resolveSession(db, token);
  if (!session) return err({ code: 'sign_in_first' });
  return hasRole(session.user, role) ? ok(session.user) : err({ code: 'role_required' });
}

export async function revokeSession(db: Database, sessionId: string) {
  await db.adminSession.updateMany({
    where: { id: sessionId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
}
