import type { Prisma } from '@batchreel/db';
import { actorOf, type StaffUser } from './identity';

type Json = Prisma.InputJsonValue;

/** Every action the audit log records (`audit_log.action`); the admin labels each. */
export const AUDIT_ACTIONS = [
  'account.created',
  'account.topped_up',
  'account.adjusted',
  'account.retention_set',
  'api_key.created',
  'api_key.revoked',
  'batch.created',
  'batch.retry_created',
  'webhook_delivery.redelivered',
  'webhook_secret.rotated',
  'admin_user.created',
  'admin_user.updated',
  'model.created',
  'model.updated',
  'model.retired',
  'model.retired_queue_handled',
  'credit_value.set',
  'project.created',
  'api_key.project_set',
  'budget.created',
  'budget.updated',
  'budget.deleted',
  'account.alert_settings_set',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What an audit row is about (`audit_log.target_type`). */
export const AUDIT_TARGET_TYPES = [
  'account',
  'api_key',
  'batch',
  'webhook_delivery',
  'admin_user',
  'model',
  'credit_value',
  'project',
  'budget',
] as const;
export type AuditTargetType = (typeof AUDIT_TARGET_TYPES)[number];

/**
 * One audit-log row (append-only in the database) for a money or key action by a staff member:
 * who, what, on what, before and after. Written in the transaction of the action itself.
 */
export function audit(
  tx: Prisma.TransactionClient,
  user: StaffUser,
  entry: {
    action: AuditAction;
    targetType: AuditTargetType;
    targetId: string;
    before?: Json;
    after?: Json;
  },
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
