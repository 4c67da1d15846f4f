import { STAFF_ROLES, type StaffRole } from '@batchreel/contracts';

export { STAFF_ROLES, type StaffRole };

/** A signed-in staff member: who an admin action is done by. */
export interface StaffUser {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
}

/** Roles are ordered: finance can do what support can, admin what finance can. */
const RANK: Record<StaffRole, number> = { support: 1, finance: 2, admin: 3 };

export function hasRole(user: Pick<StaffUser, 'role'>, role: StaffRole) {
  return RANK[user.role] >= RANK[role];
}

/** `admin:<email>`: how a staff member appears in `actor` columns. */
export const actorOf = (user: Pick<StaffUser, 'email'>) => `admin:${user.email}`;
