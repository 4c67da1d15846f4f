-- Ledger ids without gaps. The insert trigger (migration 20261125200000_ledger_hash_chain) draws
-- each row's id from `credit_ledger_id_seq` under the account row lock, so that id order is the
-- order in which balances were applied. The column default drew from the same sequence before
-- the trigger ran, and that value was thrown away: every row used two numbers (2, 4, 6, …), and
-- an auditor reads gaps in an append-only ledger as deleted rows.
--
-- From now on only the trigger draws. The default is a placeholder the trigger always replaces;
-- the sequence stays (owned by the column, at its current value), so new ids continue after the
-- last one. Existing rows are not touched: their ids and hashes stay as they are.
--
-- Prisma's diff renders this change as `SET DEFAULT 0, DROP DEFAULT` in one statement (which
-- leaves no default at all); the statement below is the intended half of it.

-- AlterTable
ALTER TABLE "credit_ledger" ALTER COLUMN "id" SET DEFAULT 0;

-- Hand-written -------------------------------------------------------------------------------

-- The trigger finds the sequence through its owning column (pg_get_serial_sequence); say so
-- explicitly now that no default names it.
ALTER SEQUENCE credit_ledger_id_seq OWNED BY credit_ledger.id;

-- A row inserted with the trigger switched off keeps the placeholder: refuse it rather than
-- store a ledger row whose id did not come from the sequence.
ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_id_from_sequence CHECK (id > 0);
