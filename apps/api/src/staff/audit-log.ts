import type { Database } from '@batchreel/db';
import {
  type BadCursor,
  BigintId,
  cursorCodec,
  type Page,
  type PageRequest,
  pageOf,
} from '../platform/pages';

/** A row of the audit log as finance reads it. */
export interface AuditEntry {
  id: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

/** Cursors of the audit log: newest first, keyset on its id. */
const auditCursor = cursorCodec('audit', BigintId);

/** The audit log, newest first, optionally about one target. */
export async function listAuditLog(
  db: Database,
  query: PageRequest & { targetId?: string | undefined },
): Promise<Page<AuditEntry> | BadCursor> {
  const after = query.cursor ? auditCursor.decode(query.cursor) : null;
  if (query.cursor && !after) return 'bad_cursor';
  const rows = await db.auditLog.findMany({
    where: {
      ...(query.targetId ? { targetId: query.targetId } : {}),
      ...(after ? { id: { lt: after.id } } : {}),
    },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
  });
  const page = pageOf(rows, query.limit, auditCursor, (row) => ({ id: row.id }));
  return {
    items: page.items.map((row) => ({
      id: row.id.toString(),
      actor: row.actor,
      action: row.action,
      targetType: row.targetType,
      targetId: row.targetId,
      before: row.before,
      after: row.after,
      createdAt: row.createdAt,
    })),
    nextCursor: page.nextCursor,
  };
}
