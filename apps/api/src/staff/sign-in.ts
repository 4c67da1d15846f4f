import { err, ok, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import type { StaffUser } from './identity';
import { hashPassword, verifyPassword } from './passwords';
import { createSession } from './sessions';

// Compared against when the e-mail is unknown, so both cases take an Argon2 verification.
const decoyHash = hashPassword('not-a-real-password-0000');

export interface SignedIn {
  user: StaffUser;
  /** The session cookie's value; only its hash is stored. */
  token: string;
  expiresAt: Date;
}

/**
 * Signs a staff member in with e-mail and password: a new session, and the time of this sign-in
 * on the user. An unknown e-mail, a wrong password and a disabled user are one refusal, and take
 * the same time.
 */
export async function signIn(
  db: Database,
  credentials: { email: string; password: string },
): Promise<Result<SignedIn, { code: 'wrong_credentials' }>> {
  const user = await db.adminUser.findUnique({ where: { email: credentials.email } });
  const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), credentials.password);
  if (!user || !valid || user.disabledAt) return err({ code: 'wrong_credentials' });
  const session = await createSession(db, user.id);
  await db.adminUser.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  return ok({
    user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
    token: session.token,
    expiresAt: session.expiresAt,
  });
}
