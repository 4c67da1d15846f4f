-- Issue 15 part B2: prices per second of output for each size (beside flat prices), what the
-- provider charges (reported, or estimated from the catalogue) beside the credits charged, the
-- credit value margins are computed with, and model retirement.

-- CreateEnum
CREATE TYPE "provider_cost_source" AS ENUM ('provider', 'catalogue');

-- AlterTable
ALTER TABLE "models" ADD COLUMN     "price_per_second" JSONB,
ADD COLUMN     "provider_cost_per_second" JSONB,
ADD COLUMN     "provider_cost_unit" TEXT,
ADD COLUMN     "replaced_by" TEXT,
ADD COLUMN     "retired_at" TIMESTAMPTZ(3),
ALTER COLUMN "price_credits" DROP NOT NULL;

-- CreateTable
CREATE TABLE "credit_values" (
    "unit" TEXT NOT NULL,
    "per_credit" BIGINT NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_values_pkey" PRIMARY KEY ("unit")
);

-- CreateTable
CREATE TABLE "provider_costs" (
    "id" BIGSERIAL NOT NULL,
    "task_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "batch_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "unit" TEXT NOT NULL,
    "source" "provider_cost_source" NOT NULL,
    "reported" JSONB,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "provider_costs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "provider_costs_recorded_at_idx" ON "provider_costs"("recorded_at");

-- CreateIndex
CREATE INDEX "provider_costs_batch_id_idx" ON "provider_costs"("batch_id");

-- CreateIndex
CREATE INDEX "provider_costs_model_recorded_at_idx" ON "provider_costs"("model", "recorded_at");

-- CreateIndex
CREATE UNIQUE INDEX "provider_costs_task_id_attempt_key" ON "provider_costs"("task_id", "attempt");

-- AddForeignKey
ALTER TABLE "models" ADD CONSTRAINT "models_replaced_by_fkey" FOREIGN KEY ("replaced_by") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_costs" ADD CONSTRAINT "provider_costs_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "video_tasks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "provider_costs" ADD CONSTRAINT "provider_costs_model_fkey" FOREIGN KEY ("model") REFERENCES "models"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written guards.

-- A table of integer rates by size (`{"1280x720": 3}`): a JSON object whose every value is a
-- whole number of at least `minimum`. IMMUTABLE, so CHECK constraints may call it. CASE fixes the
-- order of the tests: nothing is cast before its type is known.
CREATE FUNCTION is_rate_table(rates jsonb, minimum numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN jsonb_typeof(rates) <> 'object' OR rates = '{}'::jsonb THEN false
    ELSE NOT EXISTS (
      SELECT 1 FROM jsonb_each(rates) AS r(size, rate)
       WHERE CASE
         WHEN jsonb_typeof(r.rate) <> 'number' THEN true
         ELSE r.rate::text::numeric < minimum
           OR r.rate::text::numeric <> trunc(r.rate::text::numeric)
           OR r.rate::text::numeric > 9007199254740991
       END)
  END
$$;

-- Whether a rate table names every size of `sizes`.
CREATE FUNCTION rates_cover_sizes(rates jsonb, sizes text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT NOT EXISTS (SELECT 1 FROM unnest(sizes) AS s(size) WHERE NOT rates ? s.size)
$$;

ALTER TABLE models
  -- One price per model: flat per video, or per second for each allowed size, never both.
  ADD CONSTRAINT models_one_pricing CHECK ((price_credits IS NULL) <> (price_per_second IS NULL)),
  ADD CONSTRAINT models_price_per_second_valid CHECK (
    price_per_second IS NULL
    OR (is_rate_table(price_per_second, 1) AND rates_cover_sizes(price_per_second, allowed_sizes))
  ),
  ADD CONSTRAINT models_provider_cost_valid CHECK (
    (provider_cost_per_second IS NULL) = (provider_cost_unit IS NULL)
    AND (provider_cost_per_second IS NULL OR is_rate_table(provider_cost_per_second, 0))
  ),
  ADD CONSTRAINT models_provider_cost_unit_format CHECK (provider_cost_unit ~ '^[a-z][a-z0-9_]{0,39}$'),
  ADD CONSTRAINT models_allowed_seconds_positive CHECK (0 < ALL (allowed_seconds)),
  -- Retired is final and never runnable; only a retired model has a replacement, never itself.
  ADD CONSTRAINT models_retired_disabled CHECK (retired_at IS NULL OR NOT enabled),
  ADD CONSTRAINT models_replacement_when_retired CHECK (replaced_by IS NULL OR retired_at IS NOT NULL),
  ADD CONSTRAINT models_replacement_not_self CHECK (replaced_by IS DISTINCT FROM id);

CREATE FUNCTION models_guard_retirement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.retired_at IS NOT NULL AND (NEW.retired_at IS DISTINCT FROM OLD.retired_at
      OR NEW.replaced_by IS DISTINCT FROM OLD.replaced_by OR NEW.enabled) THEN
    RAISE EXCEPTION 'model % is retired: it cannot be enabled or un-retired', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER models_retirement_is_final
  BEFORE UPDATE ON models
  FOR EACH ROW EXECUTE FUNCTION models_guard_retirement();

-- A task keeps the price it was admitted at, whatever happens to its model's price or the model.
CREATE FUNCTION video_tasks_guard_cost() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'task % was admitted at % credits; its price cannot change', OLD.id, OLD.cost_credits
    USING ERRCODE = 'check_violation';
END;
$$;

CREATE TRIGGER video_tasks_cost_is_final
  BEFORE UPDATE OF cost_credits ON video_tasks
  FOR EACH ROW WHEN (NEW.cost_credits IS DISTINCT FROM OLD.cost_credits)
  EXECUTE FUNCTION video_tasks_guard_cost();

ALTER TABLE credit_values
  ADD CONSTRAINT credit_values_per_credit_positive CHECK (per_credit > 0),
  ADD CONSTRAINT credit_values_unit_format CHECK (unit ~ '^[a-z][a-z0-9_]{0,39}$');

ALTER TABLE provider_costs
  ADD CONSTRAINT provider_costs_amount_non_negative CHECK (amount >= 0),
  ADD CONSTRAINT provider_costs_attempt_positive CHECK (attempt >= 1),
  ADD CONSTRAINT provider_costs_unit_format CHECK (unit ~ '^[a-z][a-z0-9_]{0,39}$');

-- Cost records are evidence for finance, like the ledger: never changed or removed.
CREATE TRIGGER provider_costs_append_only
  BEFORE UPDATE OR DELETE ON provider_costs
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER provider_costs_no_truncate
  BEFORE TRUNCATE ON provider_costs
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();
