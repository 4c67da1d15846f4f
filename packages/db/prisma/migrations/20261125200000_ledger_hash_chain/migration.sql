-- Tamper evidence for the ledger: every row is chained to the previous row of its account by a
-- SHA-256 over that row's hash and its own money fields (packages/billing/src/ledger-chain.ts
-- recomputes it; both must agree byte for byte).

-- AlterTable
ALTER TABLE "credit_ledger" ADD COLUMN     "prev_hash" TEXT,
ADD COLUMN     "row_hash" TEXT;

-- Hand-written -------------------------------------------------------------------------------

-- The chain's start for an account.
CREATE FUNCTION ledger_genesis_hash(account uuid) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to('batchreel-ledger:' || account::text, 'UTF8')), 'hex')
$$;

-- `id|account|ref_type|ref_id|task_id|delta|balance_after|created_at` hashed after the previous hash.
CREATE FUNCTION ledger_row_hash(prev text, r credit_ledger) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws('|',
    prev, r.id::text, r.account_id::text, r.ref_type::text, r.ref_id::text,
    coalesce(r.task_id::text, ''), r.credits_delta::text, r.balance_after::text,
    to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 'UTF8')), 'hex')
$$;

-- The insert trigger of the first migration, plus two things done under the account row lock
-- (taken by its UPDATE of the balance), so that concurrent writers of one account are ordered:
-- the row's id is drawn only now, making id order the order in which balances were applied
-- (the default drawn before the lock could otherwise disagree with it), and the row is chained
-- to the account's latest row, which is committed because its writer held this lock.
CREATE OR REPLACE FUNCTION credit_ledger_before_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  new_balance integer;
  batch record;
  task record;
  previous text;
BEGIN
  IF NEW.ref_type = 'batch_upfront' THEN
    SELECT account_id, required_credits INTO batch FROM batch_jobs WHERE id = NEW.ref_id;
    IF NOT FOUND OR batch.account_id <> NEW.account_id THEN
      RAISE EXCEPTION 'batch_upfront for unknown batch % of account %', NEW.ref_id, NEW.account_id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF NEW.credits_delta <> -batch.required_credits THEN
      RAISE EXCEPTION 'batch_upfront of % for batch % must be -required_credits (-%)',
        NEW.credits_delta, NEW.ref_id, batch.required_credits
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.ref_type = 'batch_refund' THEN
    SELECT batch_id, account_id, status, cost_credits INTO task
      FROM video_tasks WHERE id = NEW.task_id;
    IF NOT FOUND OR task.batch_id <> NEW.ref_id OR task.account_id <> NEW.account_id THEN
      RAISE EXCEPTION 'batch_refund for task % does not belong to batch % of account %',
        NEW.task_id, NEW.ref_id, NEW.account_id
        USING ERRCODE = 'foreign_key_violation';
    END IF;
    IF task.status NOT IN ('failed', 'canceled') THEN
      RAISE EXCEPTION 'task % is %: only failed or canceled tasks are refunded',
        NEW.task_id, task.status
        USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.credits_delta <> task.cost_credits THEN
      RAISE EXCEPTION 'refund of % for task % must equal its cost (%)',
        NEW.credits_delta, NEW.task_id, task.cost_credits
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;

  UPDATE accounts SET balance = balance + NEW.credits_delta, updated_at = now()
    WHERE id = NEW.account_id
    RETURNING balance INTO new_balance;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'ledger entry for unknown account %', NEW.account_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  NEW.balance_after := new_balance;

  NEW.id := nextval(pg_get_serial_sequence('credit_ledger', 'id'));
  -- The stored precision (milliseconds), so the hash covers exactly what is stored.
  NEW.created_at := date_trunc('milliseconds', NEW.created_at);
  SELECT row_hash INTO previous FROM credit_ledger
   WHERE account_id = NEW.account_id ORDER BY id DESC LIMIT 1;
  NEW.prev_hash := coalesce(previous, ledger_genesis_hash(NEW.account_id));
  NEW.row_hash := ledger_row_hash(NEW.prev_hash, NEW);
  RETURN NEW;
END;
$$;

-- Chain the rows written before this migration, account by account in id order.
ALTER TABLE credit_ledger DISABLE TRIGGER credit_ledger_append_only;
DO $$
DECLARE
  r credit_ledger;
  previous text;
  current_account uuid;
BEGIN
  FOR r IN SELECT * FROM credit_ledger ORDER BY account_id, id LOOP
    IF current_account IS DISTINCT FROM r.account_id THEN
      current_account := r.account_id;
      previous := ledger_genesis_hash(r.account_id);
    END IF;
    UPDATE credit_ledger SET prev_hash = previous, row_hash = ledger_row_hash(previous, r)
     WHERE id = r.id;
    previous := ledger_row_hash(previous, r);
  END LOOP;
END;
$$;
ALTER TABLE credit_ledger ENABLE TRIGGER credit_ledger_append_only;

ALTER TABLE credit_ledger
  ADD CONSTRAINT credit_ledger_chained CHECK (prev_hash IS NOT NULL AND row_hash IS NOT NULL);
