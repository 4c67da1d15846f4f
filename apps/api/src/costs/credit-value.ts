import type { Database, Prisma } from '@batchreel/db';
import { audit } from '../staff/audit';

type Db = Database | Prisma.TransactionClient;

/**
 * The unit margins are computed in: millionths of a US dollar. Provider costs in this unit (the
 * catalogue's estimates, and providers that bill in dollars) are set against the credits charged
 * at the configured credit value; costs in other units (e.g. `runway_credits`) are listed apart.
 */
export const MARGIN_UNIT = 'usd_micros';

export interface CreditValue {
  unit: string;
  /** What one credit is worth, in `unit` (10,000 `usd_micros` = one US cent). */
  perCredit: number;
  updatedBy: string;
  updatedAt: Date;
}

/** The configured value of a credit in the margin unit, or null when none is set. */
export async function readCreditValue(db: Db): Promise<CreditValue | null> {
  const row = await db.creditValue.findUnique({ where: { unit: MARGIN_UNIT } });
  return row ? { ...row, perCredit: Number(row.perCredit) } : null;
}

/**
 * Sets what a credit is worth for the cost report's margins, audited (`credit_value.set`, before
 * and after). It moves no credits and changes no price: it is the report's assumption.
 */
export async function setCreditValue(
  db: Database,
  actor: Parameters<typeof audit>[1],
  perCredit: number,
): Promise<CreditValue> {
  return db.$transaction(async (tx) => {
    const before = await readCreditValue(tx);
    const row = await tx.creditValue.upsert({
      where: { unit: MARGIN_UNIT },
      create: { unit: MARGIN_UNIT, perCredit: BigInt(perCredit), updatedBy: actor.email },
      update: { perCredit: BigInt(perCredit), updatedBy: actor.email },
    });
    await audit(tx, actor, {
      action: 'credit_value.set',
      targetType: 'credit_value',
      targetId: MARGIN_UNIT,
      before: before ? { perCredit: before.perCredit } : undefined,
      after: { perCredit },
    });
    return { ...row, perCredit: Number(row.perCredit) };
  });
}
