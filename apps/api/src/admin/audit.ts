import type { Prisma } from '@batchreel/db';
import { actorOf, type StaffUser } from '../trpc/trpc';

type Json = Prisma.InputJsonValue;

/**
 * One audit-log row (append-only in the database) for a money or key action by a staff member:
 * who, what, on what, before and after. Written in the transaction of the action itself.
 */
export function audit(
  tx: Prisma.TransactionClient,
  user: StaffUser,
  entry: { action: string; targetType: string; targetId: string; before?: Json; after?: Json },
) {
  return tx.auditLog.create({
    data: {
      actor: actorOf(user),
      actorUserId: user.id,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      ...(entry.before !== undefined ? { before: entry.before } : {}),
      ...(entry.after !== undefined ? { after: entry.after } : {}),
    },
  });
}
