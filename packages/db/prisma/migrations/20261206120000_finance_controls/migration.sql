-- Finance controls (issue 17): projects, budget caps per calendar month, alert settings and the
-- alerts history, and the key/project a batch was submitted with (docs/finance-controls.md).

-- CreateEnum
CREATE TYPE "budget_scope" AS ENUM ('account', 'project', 'api_key');

-- CreateEnum
CREATE TYPE "budget_enforcement" AS ENUM ('hard', 'soft');

-- CreateEnum
CREATE TYPE "finance_alert_kind" AS ENUM ('budget_threshold', 'balance_low');

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "time_zone" TEXT NOT NULL DEFAULT 'UTC';

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "project_id" UUID;

-- AlterTable
ALTER TABLE "batch_jobs" ADD COLUMN     "api_key_id" UUID,
ADD COLUMN     "project_id" UUID;

-- CreateTable
CREATE TABLE "projects" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budgets" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "scope" "budget_scope" NOT NULL,
    "project_id" UUID,
    "api_key_id" UUID,
    "model" TEXT,
    "cap_credits" INTEGER NOT NULL,
    "enforcement" "budget_enforcement" NOT NULL DEFAULT 'hard',
    "threshold_percents" INTEGER[] DEFAULT ARRAY[80, 90, 100]::INTEGER[],
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budgets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "budget_threshold_marks" (
    "budget_id" UUID NOT NULL,
    "period" TEXT NOT NULL,
    "threshold_percent" INTEGER NOT NULL,
    "crossed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "budget_threshold_marks_pkey" PRIMARY KEY ("budget_id","period","threshold_percent")
);

-- CreateTable
CREATE TABLE "account_alert_settings" (
    "account_id" UUID NOT NULL,
    "webhook_url" TEXT,
    "low_balance_credits" INTEGER,
    "low_balance_armed" BOOLEAN NOT NULL DEFAULT true,
    "low_balance_checked_id" BIGINT NOT NULL DEFAULT 0,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_alert_settings_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "finance_alerts" (
    "id" BIGSERIAL NOT NULL,
    "account_id" UUID NOT NULL,
    "kind" "finance_alert_kind" NOT NULL,
    "budget_id" UUID,
    "period" TEXT,
    "threshold_percent" INTEGER,
    "cap_credits" INTEGER,
    "used_credits" INTEGER,
    "balance" INTEGER,
    "low_balance_credits" INTEGER,
    "ledger_row_id" BIGINT,
    "batch_id" UUID,
    "event_id" TEXT NOT NULL,
    "delivery_id" UUID,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "finance_alerts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "projects_account_id_name_key" ON "projects"("account_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "projects_id_account_id_key" ON "projects"("id", "account_id");

-- CreateIndex
CREATE INDEX "budgets_account_id_idx" ON "budgets"("account_id");

-- CreateIndex
CREATE UNIQUE INDEX "finance_alerts_event_id_key" ON "finance_alerts"("event_id");

-- CreateIndex
CREATE INDEX "finance_alerts_account_id_id_idx" ON "finance_alerts"("account_id", "id" DESC);

-- CreateIndex
CREATE INDEX "api_keys_project_id_idx" ON "api_keys"("project_id");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_id_account_id_key" ON "api_keys"("id", "account_id");

-- CreateIndex
CREATE INDEX "batch_jobs_api_key_id_created_at_idx" ON "batch_jobs"("api_key_id", "created_at");

-- CreateIndex
CREATE INDEX "batch_jobs_project_id_created_at_idx" ON "batch_jobs"("project_id", "created_at");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_account_id_fkey" FOREIGN KEY ("project_id", "account_id") REFERENCES "projects"("id", "account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "projects" ADD CONSTRAINT "projects_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_api_key_id_account_id_fkey" FOREIGN KEY ("api_key_id", "account_id") REFERENCES "api_keys"("id", "account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_project_id_account_id_fkey" FOREIGN KEY ("project_id", "account_id") REFERENCES "projects"("id", "account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_project_id_account_id_fkey" FOREIGN KEY ("project_id", "account_id") REFERENCES "projects"("id", "account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_api_key_id_account_id_fkey" FOREIGN KEY ("api_key_id", "account_id") REFERENCES "api_keys"("id", "account_id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budgets" ADD CONSTRAINT "budgets_model_fkey" FOREIGN KEY ("model") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "budget_threshold_marks" ADD CONSTRAINT "budget_threshold_marks_budget_id_fkey" FOREIGN KEY ("budget_id") REFERENCES "budgets"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_alert_settings" ADD CONSTRAINT "account_alert_settings_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "finance_alerts" ADD CONSTRAINT "finance_alerts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written -------------------------------------------------------------------------------

-- Names are shown to people and used as labels in statements.
ALTER TABLE projects
  ADD CONSTRAINT projects_name_present CHECK (btrim(name) <> '' AND char_length(name) <= 100);

-- A time zone PostgreSQL knows is checked by the application on write (pg_timezone_names is not
-- usable in a CHECK); here only its shape.
ALTER TABLE accounts
  ADD CONSTRAINT accounts_time_zone_present CHECK (time_zone ~ '^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$');

-- A cap is a whole positive number of credits; thresholds are percents of it, 1–100, ascending,
-- without repeats; the scope names exactly the target it caps (of the budget's own account:
-- the composite foreign keys above).
ALTER TABLE budgets
  ADD CONSTRAINT budgets_cap_positive CHECK (cap_credits > 0),
  ADD CONSTRAINT budgets_thresholds_in_range CHECK (
    threshold_percents IS NOT NULL
    AND cardinality(threshold_percents) <= 10
    AND 1 <= ALL (threshold_percents) AND 100 >= ALL (threshold_percents)
    AND array_position(threshold_percents, NULL) IS NULL
  ),
  ADD CONSTRAINT budgets_created_by_present CHECK (btrim(created_by) <> ''),
  ADD CONSTRAINT budgets_scope_target CHECK (
    CASE scope
      WHEN 'account' THEN project_id IS NULL AND api_key_id IS NULL
      WHEN 'project' THEN project_id IS NOT NULL AND api_key_id IS NULL
      WHEN 'api_key' THEN api_key_id IS NOT NULL AND project_id IS NULL
    END
  );

-- Ascending and distinct: a function, because a CHECK cannot hold a subquery.
CREATE FUNCTION int_array_strictly_ascending(values_ integer[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(bool_and(a < b), true)
    FROM (SELECT v AS a, lead(v) OVER (ORDER BY ord) AS b
            FROM unnest(values_) WITH ORDINALITY AS u(v, ord)) pairs
   WHERE b IS NOT NULL
$$;
ALTER TABLE budgets
  ADD CONSTRAINT budgets_thresholds_ascending CHECK (int_array_strictly_ascending(threshold_percents));

-- One budget per target and model: two caps on the same thing would only contradict each other.
CREATE UNIQUE INDEX budgets_one_per_account_and_model
  ON budgets (account_id, coalesce(model, '')) WHERE scope = 'account';
CREATE UNIQUE INDEX budgets_one_per_project_and_model
  ON budgets (project_id, coalesce(model, '')) WHERE scope = 'project';
CREATE UNIQUE INDEX budgets_one_per_api_key_and_model
  ON budgets (api_key_id, coalesce(model, '')) WHERE scope = 'api_key';

ALTER TABLE budget_threshold_marks
  ADD CONSTRAINT budget_threshold_marks_period_shape CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  ADD CONSTRAINT budget_threshold_marks_percent_range CHECK (threshold_percent BETWEEN 1 AND 100);

ALTER TABLE account_alert_settings
  ADD CONSTRAINT account_alert_settings_low_balance_positive CHECK (
    low_balance_credits IS NULL OR low_balance_credits > 0
  ),
  ADD CONSTRAINT account_alert_settings_webhook_url_shape CHECK (
    webhook_url IS NULL OR (webhook_url ~ '^https?://' AND char_length(webhook_url) <= 2048)
  ),
  ADD CONSTRAINT account_alert_settings_checked_id_non_negative CHECK (low_balance_checked_id >= 0);

-- The alerts history is evidence, like the ledger: append-only, and each row shaped by its kind.
ALTER TABLE finance_alerts
  ADD CONSTRAINT finance_alerts_kind_shape CHECK (
    CASE kind
      WHEN 'budget_threshold' THEN budget_id IS NOT NULL AND period IS NOT NULL
        AND threshold_percent BETWEEN 1 AND 100 AND cap_credits > 0 AND used_credits IS NOT NULL
      WHEN 'balance_low' THEN balance IS NOT NULL AND low_balance_credits > 0
    END
  );
CREATE TRIGGER finance_alerts_append_only
  BEFORE UPDATE OR DELETE ON finance_alerts
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER finance_alerts_no_truncate
  BEFORE TRUNCATE ON finance_alerts
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

-- A batch's budget attribution is fixed at admission: it is what its caps were checked against.
CREATE FUNCTION batch_jobs_guard_attribution() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.api_key_id IS DISTINCT FROM OLD.api_key_id OR NEW.project_id IS DISTINCT FROM OLD.project_id THEN
    RAISE EXCEPTION 'batch % keeps the API key and project it was admitted with', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER batch_jobs_attribution_is_final
  BEFORE UPDATE OF api_key_id, project_id ON batch_jobs
  FOR EACH ROW EXECUTE FUNCTION batch_jobs_guard_attribution();
