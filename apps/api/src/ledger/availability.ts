import { availableCredits } from '@batchreel/billing';
import { type Database, Prisma } from '@batchreel/db';

/**
 * Whether batch `b` holds a reservation (docs/product.md §3): admitted (`queued`) and not frozen yet. A
 * batch holds it from admission until its freeze moves the amount into the ledger as its
 * `batch_upfront`, and never both at once, so `balance − reserved` counts no batch twice.
 *
 * This and {@link RESERVED_CREDITS} are the one definition of reserved credits: admission, the
 * balance endpoint, the admin's accounts and the business metrics all read it from here. Both
 * expect `batch_jobs` under the alias `b`.
 */
export const HOLDS_RESERVATION = Prisma.sql`b.status = 'queued' AND b.frozen_credits = 0`;

/** Σ `required_credits` of the reserving batches among the `batch_jobs b` rows an aggregate reads. */
export const RESERVED_CREDITS = Prisma.sql`COALESCE(SUM(b.required_credits) FILTER (WHERE ${HOLDS_RESERVATION}), 0)`;

/** The account's balance and the credits its admitted, not-yet-frozen batches hold (docs/product.md §3). */
export async function readAvailability(
  db: Database | Prisma.TransactionClient,
  accountId: string,
  options: { lock?: boolean } = {},
) {
  // FOR UPDATE serialises admissions of one account: the reservation check and the insert of the
  // batch that raises the reservation happen with no other admission in between.
  const accounts = options.lock
    ? await db.$queryRaw<{ balance: number }[]>`
        SELECT balance FROM accounts WHERE id = ${accountId}::uuid FOR UPDATE`
    : await db.$queryRaw<{ balance: number }[]>`
        SELECT balance FROM accounts WHERE id = ${accountId}::uuid`;
  // The predicate in WHERE as well lets PostgreSQL read only the reserving batches.
  const [{ reserved }] = (await db.$queryRaw<{ reserved: number }[]>`
    SELECT ${RESERVED_CREDITS}::int AS reserved
      FROM batch_jobs b
     WHERE b.account_id = ${accountId}::uuid AND ${HOLDS_RESERVATION}`) as [{ reserved: number }];
  const balance = accounts[0]?.balance ?? 0;
  return {
    balance,
    reservedCredits: reserved,
    availableCredits: availableCredits(balance, reserved),
  };
}
