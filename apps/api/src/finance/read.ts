import type { FinanceAlertKind } from '@batchreel/contracts';
import type { Database } from '@batchreel/db';
import {
  type BadCursor,
  BigintId,
  cursorCodec,
  type Page,
  type PageRequest,
  pageOf,
} from '../platform/pages';

/** A project with the keys whose batches count against it. */
export interface ProjectView {
  id: string;
  name: string;
  createdAt: Date;
  apiKeys: { id: string; name: string; prefix: string; revokedAt: Date | null }[];
}

export async function listProjects(db: Database, accountId: string): Promise<ProjectView[]> {
  const projects = await db.project.findMany({
    where: { accountId },
    orderBy: { name: 'asc' },
    include: {
      apiKeys: {
        select: { id: true, name: true, prefix: true, revokedAt: true },
        orderBy: { createdAt: 'asc' },
      },
    },
  });
  return projects.map((p) => ({
    id: p.id,
    name: p.name,
    createdAt: p.createdAt,
    apiKeys: p.apiKeys,
  }));
}

/** An alert that fired, as the history lists it. */
export interface AlertView {
  id: bigint;
  accountId: string;
  kind: FinanceAlertKind;
  eventId: string;
  deliveryId: string | null;
  budgetId: string | null;
  period: string | null;
  thresholdPercent: number | null;
  capCredits: number | null;
  usedCredits: number | null;
  balance: number | null;
  lowBalanceCredits: number | null;
  ledgerRowId: bigint | null;
  batchId: string | null;
  createdAt: Date;
}

export const alertCursor = cursorCodec('alerts', BigintId);

/** The alerts history, newest first; one account's, or (staff) every account's. */
export async function listAlerts(
  db: Database,
  filter: { accountId?: string; kind?: FinanceAlertKind },
  query: PageRequest,
): Promise<Page<AlertView> | BadCursor> {
  const after = query.cursor ? alertCursor.decode(query.cursor) : null;
  if (query.cursor && !after) return 'bad_cursor';
  const rows = await db.financeAlert.findMany({
    where: {
      ...(filter.accountId ? { accountId: filter.accountId } : {}),
      ...(filter.kind ? { kind: filter.kind } : {}),
      ...(after ? { id: { lt: after.id } } : {}),
    },
    orderBy: { id: 'desc' },
    take: query.limit + 1,
  });
  const page = pageOf(rows, query.limit, alertCursor, (row) => ({ id: row.id }));
  return {
    nextCursor: page.nextCursor,
    items: page.items.map((row) => ({
      id: row.id,
      accountId: row.accountId,
      kind: row.kind,
      eventId: row.eventId,
      deliveryId: row.deliveryId,
      budgetId: row.budgetId,
      period: row.period,
      thresholdPercent: row.thresholdPercent,
      capCredits: row.capCredits,
      usedCredits: row.usedCredits,
      balance: row.balance,
      lowBalanceCredits: row.lowBalanceCredits,
      ledgerRowId: row.ledgerRowId,
      batchId: row.batchId,
      createdAt: row.createdAt,
    })),
  };
}
