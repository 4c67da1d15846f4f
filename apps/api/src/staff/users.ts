import { err, ok, type Result } from '@batchreel/billing';
import type { Database } from '@batchreel/db';
import { audit } from './audit';
import type { StaffRole, StaffUser } from './identity';
import { generatePassword, hashPassword } from './passwords';

/** A staff user as the admin lists them: never the password hash. */
export interface StaffUserRecord extends StaffUser {
  createdAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
}

const record = (u: StaffUserRecord): StaffUserRecord => ({
  id: u.id,
  email: u.email,
  displayName: u.displayName,
  role: u.role,
  createdAt: u.createdAt,
  lastLoginAt: u.lastLoginAt,
  disabledAt: u.disabledAt,
});

export async function listStaffUsers(db: Database): Promise<StaffUserRecord[]> {
  return (await db.adminUser.findMany({ orderBy: { email: 'asc' } })).map(record);
}

/** A new staff user with a generated password (returned once, stored as an Argon2id hash); audited. */
export async function createStaffUser(
  db: Database,
  by: StaffUser,
  input: { email: string; displayName: string; role: StaffRole },
): Promise<Result<{ user: StaffUserRecord; password: string }, { code: 'email_taken' }>> {
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  const exists = await db.adminUser.findUnique({ where: { email: input.email } });
  if (exists) return err({ code: 'email_taken' });
  const user = await db.$transaction(async (tx) => {
    const created = await tx.adminUser.create({ data: { ...input, passwordHash } });
    await audit(tx, by, {
      action: 'admin_user.created',
      targetType: 'admin_user',
      targetId: created.id,
      after: { email: created.email, role: created.role },
    });
    return created;
  });
  return ok({ user: record(user), password });
}

/**
 * Changes a user's role, or disables / re-enables them (a disabled user's sessions end at once);
 * audited. Nobody demotes or disables themselves, so an installation keeps an admin.
 */
export async function updateStaffUser(
  db: Database,
  by: StaffUser,
  input: { userId: string; role?: StaffRole | undefined; disabled?: boolean | undefined },
): Promise<Result<StaffUserRecord, { code: 'cannot_change_self' | 'user_not_found' }>> {
  if (input.userId === by.id && (input.disabled || (input.role && input.role !== 'admin'))) {
    return err({ code: 'cannot_change_self' });
  }
  return db.$transaction(async (tx) => {
    const before = await tx.adminUser.findUnique({ where: { id: input.userId } });
    if (!before) return err({ code: 'user_not_found' as const });
    const after = await tx.adminUser.update({
      where: { id: input.userId },
      data: {
        ...(input.role ? { role: input.role } : {}),
        ...(input.disabled !== undefined ? { disabledAt: input.disabled ? new Date() : null } : {}),
      },
    });
    if (input.disabled) {
      await tx.adminSession.updateMany({
        where: { userId: input.userId, revokedAt: null },
        data: { revokedAt: new Date() },
      });
    }
    await audit(tx, by, {
      action: 'admin_user.updated',
      targetType: 'admin_user',
      targetId: input.userId,
      before: { role: before.role, disabled: before.disabledAt !== null },
      after: { role: after.role, disabled: after.disabledAt !== null },
    });
    return ok(record(after));
  });
}
