-- The schema the migrations build (packages/db/prisma/migrations), as PostgreSQL prints it.

-- Generated: pnpm --filter @batchreel/db schema:snapshot. Checked by test/schema-snapshot.test.ts.

-- Enums

CREATE TYPE account_status AS ENUM ('active', 'suspended');

CREATE TYPE admin_role AS ENUM ('support', 'finance', 'admin');

CREATE TYPE batch_status AS ENUM ('queued', 'processing', 'completed', 'partial', 'failed', 'canceled');

CREATE TYPE budget_enforcement AS ENUM ('hard', 'soft');

CREATE TYPE budget_scope AS ENUM ('account', 'project', 'api_key');

CREATE TYPE finance_alert_kind AS ENUM ('budget_threshold', 'balance_low');

CREATE TYPE idempotency_status AS ENUM ('in_flight', 'completed');

CREATE TYPE ledger_ref_type AS ENUM ('topup', 'batch_upfront', 'batch_refund', 'adjustment');

CREATE TYPE provider_cost_source AS ENUM ('provider', 'catalogue');

CREATE TYPE settlement_status AS ENUM ('pending', 'settled', 'refunded');

CREATE TYPE task_status AS ENUM ('queued', 'running', 'succeeded', 'failed', 'canceled');

CREATE TYPE webhook_delivery_status AS ENUM ('pending', 'delivered', 'failed');

-- Tables

CREATE TABLE _prisma_migrations (
  id character varying(36) NOT NULL,
  checksum character varying(64) NOT NULL,
  finished_at timestamp with time zone,
  migration_name character varying(255) NOT NULL,
  logs text,
  rolled_back_at timestamp with time zone,
  started_at timestamp with time zone NOT NULL DEFAULT now(),
  applied_steps_count integer NOT NULL DEFAULT 0
);

CREATE TABLE account_alert_settings (
  account_id uuid NOT NULL,
  webhook_url text,
  low_balance_credits integer,
  low_balance_armed boolean NOT NULL DEFAULT true,
  low_balance_checked_id bigint NOT NULL DEFAULT 0,
  updated_by text NOT NULL,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE accounts (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  name text NOT NULL,
  status account_status NOT NULL DEFAULT 'active'::account_status,
  balance integer NOT NULL DEFAULT 0,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  time_zone text NOT NULL DEFAULT 'UTC'::text,
  video_retention_seconds integer NOT NULL DEFAULT 2592000
);

CREATE TABLE admin_sessions (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL,
  token_hash text NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_seen_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at timestamp(3) with time zone NOT NULL,
  revoked_at timestamp(3) with time zone
);

CREATE TABLE admin_users (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  email text NOT NULL,
  display_name text NOT NULL,
  password_hash text NOT NULL,
  role admin_role NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_login_at timestamp(3) with time zone,
  disabled_at timestamp(3) with time zone
);

CREATE TABLE api_keys (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  name text NOT NULL,
  prefix text NOT NULL,
  key_hash text NOT NULL,
  created_by text,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_used_at timestamp(3) with time zone,
  revoked_at timestamp(3) with time zone,
  project_id uuid
);

CREATE TABLE audit_log (
  id bigint NOT NULL DEFAULT nextval('audit_log_id_seq'::regclass),
  actor_user_id uuid,
  actor text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text NOT NULL,
  before jsonb,
  after jsonb,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE batch_jobs (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  request_id text,
  status batch_status NOT NULL DEFAULT 'queued'::batch_status,
  total_count integer NOT NULL,
  cost_per_video integer,
  required_credits integer NOT NULL,
  frozen_credits integer NOT NULL DEFAULT 0,
  success_count integer NOT NULL DEFAULT 0,
  failed_count integer NOT NULL DEFAULT 0,
  canceled_count integer NOT NULL DEFAULT 0,
  credits_spent integer NOT NULL DEFAULT 0,
  refunded_credits integer NOT NULL DEFAULT 0,
  settlement_status settlement_status NOT NULL DEFAULT 'pending'::settlement_status,
  webhook_url text,
  metadata jsonb,
  cancel_requested boolean NOT NULL DEFAULT false,
  integrity_error text,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  started_at timestamp(3) with time zone,
  finished_at timestamp(3) with time zone,
  settled_at timestamp(3) with time zone,
  api_key_id uuid,
  project_id uuid,
  retried_from_batch_id uuid
);

CREATE TABLE budget_threshold_marks (
  budget_id uuid NOT NULL,
  period text NOT NULL,
  threshold_percent integer NOT NULL,
  crossed_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE budgets (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  scope budget_scope NOT NULL,
  project_id uuid,
  api_key_id uuid,
  model text,
  cap_credits integer NOT NULL,
  enforcement budget_enforcement NOT NULL DEFAULT 'hard'::budget_enforcement,
  threshold_percents integer[] DEFAULT ARRAY[80, 90, 100],
  created_by text NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE credit_ledger (
  id bigint NOT NULL DEFAULT 0,
  account_id uuid NOT NULL,
  ref_type ledger_ref_type NOT NULL,
  ref_id uuid NOT NULL,
  task_id uuid,
  credits_delta integer NOT NULL,
  balance_after integer NOT NULL,
  memo text,
  actor text NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  prev_hash text,
  row_hash text
);

CREATE TABLE credit_values (
  unit text NOT NULL,
  per_credit bigint NOT NULL,
  updated_by text NOT NULL,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE demo_webhook_receipts (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  event_id text NOT NULL,
  event_type text NOT NULL,
  headers jsonb NOT NULL,
  body text NOT NULL,
  received_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE finance_alerts (
  id bigint NOT NULL DEFAULT nextval('finance_alerts_id_seq'::regclass),
  account_id uuid NOT NULL,
  kind finance_alert_kind NOT NULL,
  budget_id uuid,
  period text,
  threshold_percent integer,
  cap_credits integer,
  used_credits integer,
  balance integer,
  low_balance_credits integer,
  ledger_row_id bigint,
  batch_id uuid,
  event_id text NOT NULL,
  delivery_id uuid,
  payload jsonb NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE idempotency_keys (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  request_id text NOT NULL,
  request_hash text NOT NULL,
  status idempotency_status NOT NULL DEFAULT 'in_flight'::idempotency_status,
  response_status integer,
  response_body jsonb,
  batch_id uuid,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at timestamp(3) with time zone NOT NULL
);

CREATE TABLE models (
  id text NOT NULL,
  display_name text NOT NULL,
  provider text NOT NULL,
  provider_model text NOT NULL,
  price_credits integer,
  max_concurrency integer NOT NULL DEFAULT 8,
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  allowed_seconds integer[] DEFAULT ARRAY[4, 8, 12],
  allowed_sizes text[] DEFAULT ARRAY['1280x720'::text, '720x1280'::text],
  price_per_second jsonb,
  provider_cost_per_second jsonb,
  provider_cost_unit text,
  replaced_by text,
  retired_at timestamp(3) with time zone
);

CREATE TABLE projects (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  name text NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE provider_costs (
  id bigint NOT NULL DEFAULT nextval('provider_costs_id_seq'::regclass),
  task_id uuid NOT NULL,
  attempt integer NOT NULL,
  batch_id uuid NOT NULL,
  account_id uuid NOT NULL,
  model text NOT NULL,
  provider text NOT NULL,
  amount bigint NOT NULL,
  unit text NOT NULL,
  source provider_cost_source NOT NULL,
  reported jsonb,
  recorded_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE video_tasks (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  batch_id uuid NOT NULL,
  account_id uuid NOT NULL,
  batch_index integer NOT NULL,
  prompt text NOT NULL,
  model text NOT NULL,
  parameters jsonb NOT NULL DEFAULT '{}'::jsonb,
  status task_status NOT NULL DEFAULT 'queued'::task_status,
  cost_credits integer NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  provider_job_id text,
  video_url text,
  error_code text,
  error_message text,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  started_at timestamp(3) with time zone,
  finished_at timestamp(3) with time zone,
  output_content_type text,
  output_deleted_at timestamp(3) with time zone,
  output_duration_seconds double precision,
  output_expires_at timestamp(3) with time zone,
  output_key text,
  output_sha256 text,
  output_size bigint,
  output_stored_at timestamp(3) with time zone
);

CREATE TABLE webhook_attempts (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  delivery_id uuid NOT NULL,
  attempted_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  status_code integer,
  latency_ms integer NOT NULL,
  error text,
  response_body text
);

CREATE TABLE webhook_deliveries (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  batch_id uuid,
  event_id text NOT NULL,
  event_type text NOT NULL,
  url text NOT NULL,
  payload jsonb NOT NULL,
  status webhook_delivery_status NOT NULL DEFAULT 'pending'::webhook_delivery_status,
  attempt_count integer NOT NULL DEFAULT 0,
  next_attempt_at timestamp(3) with time zone,
  last_error text,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  delivered_at timestamp(3) with time zone
);

CREATE TABLE webhook_secrets (
  id uuid NOT NULL DEFAULT gen_random_uuid(),
  account_id uuid NOT NULL,
  secret text NOT NULL,
  created_at timestamp(3) with time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at timestamp(3) with time zone
);

-- Constraints

ALTER TABLE _prisma_migrations ADD CONSTRAINT _prisma_migrations_pkey PRIMARY KEY (id);

ALTER TABLE account_alert_settings ADD CONSTRAINT account_alert_settings_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE account_alert_settings ADD CONSTRAINT account_alert_settings_checked_id_non_negative CHECK ((low_balance_checked_id >= 0));

ALTER TABLE account_alert_settings ADD CONSTRAINT account_alert_settings_low_balance_positive CHECK (((low_balance_credits IS NULL) OR (low_balance_credits > 0)));

ALTER TABLE account_alert_settings ADD CONSTRAINT account_alert_settings_pkey PRIMARY KEY (account_id);

ALTER TABLE account_alert_settings ADD CONSTRAINT account_alert_settings_webhook_url_shape CHECK (((webhook_url IS NULL) OR ((webhook_url ~ '^https?://'::text) AND (char_length(webhook_url) <= 2048))));

ALTER TABLE accounts ADD CONSTRAINT accounts_balance_non_negative CHECK ((balance >= 0));

ALTER TABLE accounts ADD CONSTRAINT accounts_name_present CHECK ((btrim(name) <> ''::text));

ALTER TABLE accounts ADD CONSTRAINT accounts_pkey PRIMARY KEY (id);

ALTER TABLE accounts ADD CONSTRAINT accounts_time_zone_present CHECK ((time_zone ~ '^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$'::text));

ALTER TABLE accounts ADD CONSTRAINT accounts_video_retention_range CHECK (((video_retention_seconds >= 1) AND (video_retention_seconds <= 315360000)));

ALTER TABLE admin_sessions ADD CONSTRAINT admin_sessions_pkey PRIMARY KEY (id);

ALTER TABLE admin_sessions ADD CONSTRAINT admin_sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES admin_users(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE admin_users ADD CONSTRAINT admin_users_email_lower_case CHECK ((email = lower(email)));

ALTER TABLE admin_users ADD CONSTRAINT admin_users_pkey PRIMARY KEY (id);

ALTER TABLE api_keys ADD CONSTRAINT api_keys_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE api_keys ADD CONSTRAINT api_keys_pkey PRIMARY KEY (id);

ALTER TABLE api_keys ADD CONSTRAINT api_keys_project_id_account_id_fkey FOREIGN KEY (project_id, account_id) REFERENCES projects(id, account_id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_user_id_fkey FOREIGN KEY (actor_user_id) REFERENCES admin_users(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_api_key_id_account_id_fkey FOREIGN KEY (api_key_id, account_id) REFERENCES api_keys(id, account_id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_cost_per_video_positive CHECK (((cost_per_video IS NULL) OR (cost_per_video > 0)));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_counts_in_range CHECK (((success_count >= 0) AND (failed_count >= 0) AND (canceled_count >= 0) AND (((success_count + failed_count) + canceled_count) <= total_count)));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_credits_within_freeze CHECK (((credits_spent >= 0) AND (refunded_credits >= 0) AND ((credits_spent + refunded_credits) <= frozen_credits)));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_frozen_all_or_nothing CHECK (((frozen_credits = 0) OR (frozen_credits = required_credits)));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_pkey PRIMARY KEY (id);

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_project_id_account_id_fkey FOREIGN KEY (project_id, account_id) REFERENCES projects(id, account_id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_request_id_length CHECK (((request_id IS NULL) OR ((char_length(request_id) >= 1) AND (char_length(request_id) <= 255))));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_required_credits_non_negative CHECK ((required_credits >= 0));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_retried_from_batch_id_fkey FOREIGN KEY (retried_from_batch_id) REFERENCES batch_jobs(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_retry_not_self CHECK ((retried_from_batch_id IS DISTINCT FROM id));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_settled_at_iff_settled CHECK (((settlement_status = 'pending'::settlement_status) = (settled_at IS NULL)));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_settlement_balances CHECK (((settlement_status = 'pending'::settlement_status) OR (frozen_credits = (credits_spent + refunded_credits))));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_settlement_status_matches CHECK ((((settlement_status <> 'settled'::settlement_status) OR (refunded_credits = 0)) AND ((settlement_status <> 'refunded'::settlement_status) OR (refunded_credits > 0))));

ALTER TABLE batch_jobs ADD CONSTRAINT batch_jobs_total_count_positive CHECK ((total_count > 0));

ALTER TABLE budget_threshold_marks ADD CONSTRAINT budget_threshold_marks_budget_id_fkey FOREIGN KEY (budget_id) REFERENCES budgets(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE budget_threshold_marks ADD CONSTRAINT budget_threshold_marks_percent_range CHECK (((threshold_percent >= 1) AND (threshold_percent <= 100)));

ALTER TABLE budget_threshold_marks ADD CONSTRAINT budget_threshold_marks_period_shape CHECK ((period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'::text));

ALTER TABLE budget_threshold_marks ADD CONSTRAINT budget_threshold_marks_pkey PRIMARY KEY (budget_id, period, threshold_percent);

ALTER TABLE budgets ADD CONSTRAINT budgets_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE budgets ADD CONSTRAINT budgets_api_key_id_account_id_fkey FOREIGN KEY (api_key_id, account_id) REFERENCES api_keys(id, account_id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE budgets ADD CONSTRAINT budgets_cap_positive CHECK ((cap_credits > 0));

ALTER TABLE budgets ADD CONSTRAINT budgets_created_by_present CHECK ((btrim(created_by) <> ''::text));

ALTER TABLE budgets ADD CONSTRAINT budgets_model_fkey FOREIGN KEY (model) REFERENCES models(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE budgets ADD CONSTRAINT budgets_pkey PRIMARY KEY (id);

ALTER TABLE budgets ADD CONSTRAINT budgets_project_id_account_id_fkey FOREIGN KEY (project_id, account_id) REFERENCES projects(id, account_id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE budgets ADD CONSTRAINT budgets_scope_target CHECK (
CASE scope
    WHEN 'account'::budget_scope THEN ((project_id IS NULL) AND (api_key_id IS NULL))
    WHEN 'project'::budget_scope THEN ((project_id IS NOT NULL) AND (api_key_id IS NULL))
    WHEN 'api_key'::budget_scope THEN ((api_key_id IS NOT NULL) AND (project_id IS NULL))
    ELSE NULL::boolean
END);

ALTER TABLE budgets ADD CONSTRAINT budgets_thresholds_ascending CHECK (int_array_strictly_ascending(threshold_percents));

ALTER TABLE budgets ADD CONSTRAINT budgets_thresholds_in_range CHECK (((threshold_percents IS NOT NULL) AND (cardinality(threshold_percents) <= 10) AND (1 <= ALL (threshold_percents)) AND (100 >= ALL (threshold_percents)) AND (array_position(threshold_percents, NULL::integer) IS NULL)));

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_actor_present CHECK ((btrim(actor) <> ''::text));

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_balance_after_non_negative CHECK ((balance_after >= 0));

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_chained CHECK (((prev_hash IS NOT NULL) AND (row_hash IS NOT NULL)));

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_delta_not_zero CHECK ((credits_delta <> 0));

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_id_from_sequence CHECK ((id > 0));

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_kind_shape CHECK (
CASE ref_type
    WHEN 'topup'::ledger_ref_type THEN ((credits_delta > 0) AND (task_id IS NULL))
    WHEN 'batch_upfront'::ledger_ref_type THEN ((credits_delta < 0) AND (task_id IS NULL))
    WHEN 'batch_refund'::ledger_ref_type THEN ((credits_delta > 0) AND (task_id IS NOT NULL))
    WHEN 'adjustment'::ledger_ref_type THEN ((task_id IS NULL) AND (COALESCE(btrim(memo), ''::text) <> ''::text))
    ELSE NULL::boolean
END);

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_pkey PRIMARY KEY (id);

ALTER TABLE credit_ledger ADD CONSTRAINT credit_ledger_task_id_fkey FOREIGN KEY (task_id) REFERENCES video_tasks(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE credit_values ADD CONSTRAINT credit_values_per_credit_positive CHECK ((per_credit > 0));

ALTER TABLE credit_values ADD CONSTRAINT credit_values_pkey PRIMARY KEY (unit);

ALTER TABLE credit_values ADD CONSTRAINT credit_values_unit_format CHECK ((unit ~ '^[a-z][a-z0-9_]{0,39}$'::text));

ALTER TABLE demo_webhook_receipts ADD CONSTRAINT demo_webhook_receipts_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE demo_webhook_receipts ADD CONSTRAINT demo_webhook_receipts_pkey PRIMARY KEY (id);

ALTER TABLE finance_alerts ADD CONSTRAINT finance_alerts_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE finance_alerts ADD CONSTRAINT finance_alerts_kind_shape CHECK (
CASE kind
    WHEN 'budget_threshold'::finance_alert_kind THEN ((budget_id IS NOT NULL) AND (period IS NOT NULL) AND ((threshold_percent >= 1) AND (threshold_percent <= 100)) AND (cap_credits > 0) AND (used_credits IS NOT NULL))
    WHEN 'balance_low'::finance_alert_kind THEN ((balance IS NOT NULL) AND (low_balance_credits > 0))
    ELSE NULL::boolean
END);

ALTER TABLE finance_alerts ADD CONSTRAINT finance_alerts_pkey PRIMARY KEY (id);

ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES batch_jobs(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (id);

ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_request_id_length CHECK (((char_length(request_id) >= 1) AND (char_length(request_id) <= 255)));

ALTER TABLE models ADD CONSTRAINT models_allowed_seconds_positive CHECK ((0 < ALL (allowed_seconds)));

ALTER TABLE models ADD CONSTRAINT models_allowed_seconds_present CHECK ((cardinality(allowed_seconds) >= 1));

ALTER TABLE models ADD CONSTRAINT models_allowed_sizes_present CHECK ((cardinality(allowed_sizes) >= 1));

ALTER TABLE models ADD CONSTRAINT models_max_concurrency_positive CHECK ((max_concurrency > 0));

ALTER TABLE models ADD CONSTRAINT models_one_pricing CHECK (((price_credits IS NULL) <> (price_per_second IS NULL)));

ALTER TABLE models ADD CONSTRAINT models_pkey PRIMARY KEY (id);

ALTER TABLE models ADD CONSTRAINT models_price_per_second_valid CHECK (((price_per_second IS NULL) OR (is_rate_table(price_per_second, (1)::numeric) AND rates_cover_sizes(price_per_second, allowed_sizes))));

ALTER TABLE models ADD CONSTRAINT models_price_positive CHECK ((price_credits > 0));

ALTER TABLE models ADD CONSTRAINT models_provider_cost_unit_format CHECK ((provider_cost_unit ~ '^[a-z][a-z0-9_]{0,39}$'::text));

ALTER TABLE models ADD CONSTRAINT models_provider_cost_valid CHECK ((((provider_cost_per_second IS NULL) = (provider_cost_unit IS NULL)) AND ((provider_cost_per_second IS NULL) OR is_rate_table(provider_cost_per_second, (0)::numeric))));

ALTER TABLE models ADD CONSTRAINT models_replaced_by_fkey FOREIGN KEY (replaced_by) REFERENCES models(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE models ADD CONSTRAINT models_replacement_not_self CHECK ((replaced_by IS DISTINCT FROM id));

ALTER TABLE models ADD CONSTRAINT models_replacement_when_retired CHECK (((replaced_by IS NULL) OR (retired_at IS NOT NULL)));

ALTER TABLE models ADD CONSTRAINT models_retired_disabled CHECK (((retired_at IS NULL) OR (NOT enabled)));

ALTER TABLE projects ADD CONSTRAINT projects_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE projects ADD CONSTRAINT projects_name_present CHECK (((btrim(name) <> ''::text) AND (char_length(name) <= 100)));

ALTER TABLE projects ADD CONSTRAINT projects_pkey PRIMARY KEY (id);

ALTER TABLE provider_costs ADD CONSTRAINT provider_costs_amount_non_negative CHECK ((amount >= 0));

ALTER TABLE provider_costs ADD CONSTRAINT provider_costs_attempt_positive CHECK ((attempt >= 1));

ALTER TABLE provider_costs ADD CONSTRAINT provider_costs_model_fkey FOREIGN KEY (model) REFERENCES models(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE provider_costs ADD CONSTRAINT provider_costs_pkey PRIMARY KEY (id);

ALTER TABLE provider_costs ADD CONSTRAINT provider_costs_task_id_fkey FOREIGN KEY (task_id) REFERENCES video_tasks(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE provider_costs ADD CONSTRAINT provider_costs_unit_format CHECK ((unit ~ '^[a-z][a-z0-9_]{0,39}$'::text));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_attempts_non_negative CHECK ((attempts >= 0));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES batch_jobs(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_batch_index_non_negative CHECK ((batch_index >= 0));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_cost_positive CHECK ((cost_credits > 0));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_failure_has_code CHECK (((status <> ALL (ARRAY['failed'::task_status, 'canceled'::task_status])) OR (error_code IS NOT NULL)));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_model_fkey FOREIGN KEY (model) REFERENCES models(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_output_deleted_when_stored CHECK (((output_deleted_at IS NULL) OR (output_key IS NOT NULL)));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_output_duration_positive CHECK (((output_duration_seconds IS NULL) OR (output_duration_seconds > (0)::double precision)));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_output_on_success CHECK (((output_key IS NULL) OR (status = 'succeeded'::task_status)));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_output_sha256_hex CHECK (((output_sha256 IS NULL) OR (output_sha256 ~ '^[0-9a-f]{64}$'::text)));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_output_size_non_negative CHECK (((output_size IS NULL) OR (output_size >= 0)));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_output_whole CHECK ((((output_key IS NULL) = (output_size IS NULL)) AND ((output_key IS NULL) = (output_content_type IS NULL)) AND ((output_key IS NULL) = (output_sha256 IS NULL)) AND ((output_key IS NULL) = (output_stored_at IS NULL)) AND ((output_key IS NULL) = (output_expires_at IS NULL))));

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_pkey PRIMARY KEY (id);

ALTER TABLE video_tasks ADD CONSTRAINT video_tasks_prompt_present CHECK ((btrim(prompt) <> ''::text));

ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_delivery_id_fkey FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_latency_non_negative CHECK ((latency_ms >= 0));

ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_outcome_recorded CHECK (((status_code IS NOT NULL) OR (error IS NOT NULL)));

ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_pkey PRIMARY KEY (id);

ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_attempt_count_non_negative CHECK ((attempt_count >= 0));

ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_batch_id_fkey FOREIGN KEY (batch_id) REFERENCES batch_jobs(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_delivered_has_time CHECK (((status <> 'delivered'::webhook_delivery_status) OR (delivered_at IS NOT NULL)));

ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_pkey PRIMARY KEY (id);

ALTER TABLE webhook_secrets ADD CONSTRAINT webhook_secrets_account_id_fkey FOREIGN KEY (account_id) REFERENCES accounts(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE webhook_secrets ADD CONSTRAINT webhook_secrets_pkey PRIMARY KEY (id);

ALTER TABLE webhook_secrets ADD CONSTRAINT webhook_secrets_whsec_format CHECK ((secret ~ '^whsec_[A-Za-z0-9+/]{40,}={0,2}$'::text));

-- Indexes

CREATE INDEX admin_sessions_expires_at_idx ON public.admin_sessions USING btree (expires_at);

CREATE UNIQUE INDEX admin_sessions_token_hash_key ON public.admin_sessions USING btree (token_hash);

CREATE INDEX admin_sessions_user_id_idx ON public.admin_sessions USING btree (user_id);

CREATE UNIQUE INDEX admin_users_email_key ON public.admin_users USING btree (email);

CREATE INDEX api_keys_account_id_created_at_idx ON public.api_keys USING btree (account_id, created_at);

CREATE UNIQUE INDEX api_keys_id_account_id_key ON public.api_keys USING btree (id, account_id);

CREATE UNIQUE INDEX api_keys_key_hash_key ON public.api_keys USING btree (key_hash);

CREATE INDEX api_keys_project_id_idx ON public.api_keys USING btree (project_id);

CREATE INDEX audit_log_created_at_idx ON public.audit_log USING btree (created_at);

CREATE INDEX audit_log_target_type_target_id_created_at_idx ON public.audit_log USING btree (target_type, target_id, created_at);

CREATE INDEX batch_jobs_account_id_created_at_id_idx ON public.batch_jobs USING btree (account_id, created_at DESC, id DESC);

CREATE INDEX batch_jobs_account_id_request_id_idx ON public.batch_jobs USING btree (account_id, request_id);

CREATE INDEX batch_jobs_api_key_id_created_at_idx ON public.batch_jobs USING btree (api_key_id, created_at);

CREATE INDEX batch_jobs_created_at_id_idx ON public.batch_jobs USING btree (created_at DESC, id DESC);

CREATE INDEX batch_jobs_project_id_created_at_idx ON public.batch_jobs USING btree (project_id, created_at);

CREATE INDEX batch_jobs_retried_from_batch_id_idx ON public.batch_jobs USING btree (retried_from_batch_id);

CREATE INDEX batch_jobs_status_created_at_idx ON public.batch_jobs USING btree (status, created_at);

CREATE INDEX budgets_account_id_idx ON public.budgets USING btree (account_id);

CREATE UNIQUE INDEX budgets_one_per_account_and_model ON public.budgets USING btree (account_id, COALESCE(model, ''::text)) WHERE (scope = 'account'::budget_scope);

CREATE UNIQUE INDEX budgets_one_per_api_key_and_model ON public.budgets USING btree (api_key_id, COALESCE(model, ''::text)) WHERE (scope = 'api_key'::budget_scope);

CREATE UNIQUE INDEX budgets_one_per_project_and_model ON public.budgets USING btree (project_id, COALESCE(model, ''::text)) WHERE (scope = 'project'::budget_scope);

CREATE INDEX credit_ledger_account_id_created_at_idx ON public.credit_ledger USING btree (account_id, created_at);

CREATE INDEX credit_ledger_account_id_id_idx ON public.credit_ledger USING btree (account_id, id);

CREATE UNIQUE INDEX credit_ledger_one_refund_per_task ON public.credit_ledger USING btree (task_id) WHERE (ref_type = 'batch_refund'::ledger_ref_type);

CREATE UNIQUE INDEX credit_ledger_one_upfront_per_batch ON public.credit_ledger USING btree (ref_id) WHERE (ref_type = 'batch_upfront'::ledger_ref_type);

CREATE INDEX credit_ledger_ref_id_idx ON public.credit_ledger USING btree (ref_id);

CREATE INDEX demo_webhook_receipts_account_id_received_at_idx ON public.demo_webhook_receipts USING btree (account_id, received_at DESC);

CREATE INDEX finance_alerts_account_id_id_idx ON public.finance_alerts USING btree (account_id, id DESC);

CREATE UNIQUE INDEX finance_alerts_event_id_key ON public.finance_alerts USING btree (event_id);

CREATE UNIQUE INDEX idempotency_keys_account_id_request_id_key ON public.idempotency_keys USING btree (account_id, request_id);

CREATE INDEX idempotency_keys_expires_at_idx ON public.idempotency_keys USING btree (expires_at);

CREATE UNIQUE INDEX projects_account_id_name_key ON public.projects USING btree (account_id, name);

CREATE UNIQUE INDEX projects_id_account_id_key ON public.projects USING btree (id, account_id);

CREATE INDEX provider_costs_batch_id_idx ON public.provider_costs USING btree (batch_id);

CREATE INDEX provider_costs_model_recorded_at_idx ON public.provider_costs USING btree (model, recorded_at);

CREATE INDEX provider_costs_recorded_at_idx ON public.provider_costs USING btree (recorded_at);

CREATE UNIQUE INDEX provider_costs_task_id_attempt_key ON public.provider_costs USING btree (task_id, attempt);

CREATE INDEX video_tasks_account_id_status_finished_at_idx ON public.video_tasks USING btree (account_id, status, finished_at);

CREATE UNIQUE INDEX video_tasks_batch_id_batch_index_key ON public.video_tasks USING btree (batch_id, batch_index);

CREATE INDEX video_tasks_batch_id_status_batch_index_idx ON public.video_tasks USING btree (batch_id, status, batch_index);

CREATE INDEX video_tasks_failed_by_code ON public.video_tasks USING btree (error_code, finished_at DESC, id DESC) WHERE (status = 'failed'::task_status);

CREATE INDEX video_tasks_failed_recent ON public.video_tasks USING btree (finished_at DESC, id DESC) WHERE (status = 'failed'::task_status);

CREATE INDEX video_tasks_failed_text_trgm ON public.video_tasks USING gin ((((prompt || ' '::text) || COALESCE(error_message, ''::text))) gin_trgm_ops) WHERE (status = 'failed'::task_status);

CREATE INDEX video_tasks_output_by_account ON public.video_tasks USING btree (account_id) INCLUDE (output_size) WHERE ((output_key IS NOT NULL) AND (output_deleted_at IS NULL));

CREATE INDEX video_tasks_output_expiry ON public.video_tasks USING btree (output_expires_at) WHERE ((output_key IS NOT NULL) AND (output_deleted_at IS NULL));

CREATE INDEX video_tasks_status_finished_at_idx ON public.video_tasks USING btree (status, finished_at);

CREATE INDEX webhook_attempts_delivery_id_attempted_at_idx ON public.webhook_attempts USING btree (delivery_id, attempted_at);

CREATE INDEX webhook_deliveries_account_id_created_at_idx ON public.webhook_deliveries USING btree (account_id, created_at DESC);

CREATE INDEX webhook_deliveries_batch_id_idx ON public.webhook_deliveries USING btree (batch_id);

CREATE UNIQUE INDEX webhook_deliveries_event_id_key ON public.webhook_deliveries USING btree (event_id);

CREATE INDEX webhook_deliveries_open ON public.webhook_deliveries USING btree (next_attempt_at) WHERE (status = 'pending'::webhook_delivery_status);

CREATE INDEX webhook_deliveries_status_created_at_idx ON public.webhook_deliveries USING btree (status, created_at DESC);

CREATE INDEX webhook_secrets_account_id_created_at_idx ON public.webhook_secrets USING btree (account_id, created_at);

CREATE UNIQUE INDEX webhook_secrets_one_current ON public.webhook_secrets USING btree (account_id) WHERE (expires_at IS NULL);

-- Sequences

CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;

CREATE SEQUENCE credit_ledger_id_seq OWNED BY credit_ledger.id;

CREATE SEQUENCE finance_alerts_id_seq OWNED BY finance_alerts.id;

CREATE SEQUENCE provider_costs_id_seq OWNED BY provider_costs.id;

-- Functions

CREATE OR REPLACE FUNCTION public.accounts_guard_balance()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF TG_OP = 'INSERT' AND NEW.balance <> 0 THEN
    RAISE EXCEPTION 'an account starts at balance 0; grant credits with a topup ledger entry'
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.balance IS DISTINCT FROM OLD.balance AND pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION 'accounts.balance changes only through credit_ledger entries'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.batch_jobs_guard_attribution()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF NEW.api_key_id IS DISTINCT FROM OLD.api_key_id OR NEW.project_id IS DISTINCT FROM OLD.project_id THEN
    RAISE EXCEPTION 'batch % keeps the API key and project it was admitted with', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.batch_jobs_guard_retry()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF NEW.retried_from_batch_id IS NOT NULL AND NOT EXISTS (
      SELECT 1 FROM batch_jobs o
       WHERE o.id = NEW.retried_from_batch_id AND o.account_id = NEW.account_id) THEN
    RAISE EXCEPTION 'batch % retries a batch of another account', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.retried_from_batch_id IS DISTINCT FROM OLD.retried_from_batch_id THEN
    RAISE EXCEPTION 'batch % keeps the batch it retries', NEW.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.credit_ledger_before_insert()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.int_array_strictly_ascending(values_ integer[])
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT coalesce(bool_and(a < b), true)
    FROM (SELECT v AS a, lead(v) OVER (ORDER BY ord) AS b
            FROM unnest(values_) WITH ORDINALITY AS u(v, ord)) pairs
   WHERE b IS NOT NULL
$function$;

CREATE OR REPLACE FUNCTION public.is_rate_table(rates jsonb, minimum numeric)
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION public.ledger_genesis_hash(account uuid)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT encode(sha256(convert_to('batchreel-ledger:' || account::text, 'UTF8')), 'hex')
$function$;

CREATE OR REPLACE FUNCTION public.ledger_row_hash(prev text, r credit_ledger)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT encode(sha256(convert_to(concat_ws('|',
    prev, r.id::text, r.account_id::text, r.ref_type::text, r.ref_id::text,
    coalesce(r.task_id::text, ''), r.credits_delta::text, r.balance_after::text,
    to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), 'UTF8')), 'hex')
$function$;

CREATE OR REPLACE FUNCTION public.models_guard_retirement()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF OLD.retired_at IS NOT NULL AND (NEW.retired_at IS DISTINCT FROM OLD.retired_at
      OR NEW.replaced_by IS DISTINCT FROM OLD.replaced_by OR NEW.enabled) THEN
    RAISE EXCEPTION 'model % is retired: it cannot be enabled or un-retired', OLD.id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.rates_cover_sizes(rates jsonb, sizes text[])
 RETURNS boolean
 LANGUAGE sql
 IMMUTABLE
AS $function$
  SELECT NOT EXISTS (SELECT 1 FROM unnest(sizes) AS s(size) WHERE NOT rates ? s.size)
$function$;

CREATE OR REPLACE FUNCTION public.reject_append_only_change()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation';
END;
$function$;

CREATE OR REPLACE FUNCTION public.video_tasks_guard_cost()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  RAISE EXCEPTION 'task % was admitted at % credits; its price cannot change', OLD.id, OLD.cost_credits
    USING ERRCODE = 'check_violation';
END;
$function$;

CREATE OR REPLACE FUNCTION public.video_tasks_guard_output()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF OLD.output_deleted_at IS NOT NULL AND NEW.output_deleted_at IS DISTINCT FROM OLD.output_deleted_at THEN
    RAISE EXCEPTION 'task %: a deleted video stays deleted', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.output_key IS NOT NULL AND (
      NEW.output_key IS DISTINCT FROM OLD.output_key
      OR NEW.output_sha256 IS DISTINCT FROM OLD.output_sha256
      OR NEW.output_size IS DISTINCT FROM OLD.output_size) THEN
    RAISE EXCEPTION 'task %: a stored video is never replaced', OLD.id USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$function$;

CREATE OR REPLACE FUNCTION public.video_tasks_guard_terminal()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
  IF OLD.status IN ('succeeded', 'failed', 'canceled') AND NEW.status <> OLD.status THEN
    RAISE EXCEPTION 'task % is already % and cannot become %', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$function$;

-- Triggers

CREATE TRIGGER accounts_balance_only_via_ledger BEFORE INSERT OR UPDATE ON public.accounts FOR EACH ROW EXECUTE FUNCTION accounts_guard_balance();

CREATE TRIGGER audit_log_append_only BEFORE DELETE OR UPDATE ON public.audit_log FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER batch_jobs_attribution_is_final BEFORE UPDATE OF api_key_id, project_id ON public.batch_jobs FOR EACH ROW EXECUTE FUNCTION batch_jobs_guard_attribution();

CREATE TRIGGER batch_jobs_retry_link BEFORE INSERT OR UPDATE OF retried_from_batch_id ON public.batch_jobs FOR EACH ROW EXECUTE FUNCTION batch_jobs_guard_retry();

CREATE TRIGGER credit_ledger_append_only BEFORE DELETE OR UPDATE ON public.credit_ledger FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER credit_ledger_apply_to_balance BEFORE INSERT ON public.credit_ledger FOR EACH ROW EXECUTE FUNCTION credit_ledger_before_insert();

CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON public.credit_ledger FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER finance_alerts_append_only BEFORE DELETE OR UPDATE ON public.finance_alerts FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER finance_alerts_no_truncate BEFORE TRUNCATE ON public.finance_alerts FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER models_retirement_is_final BEFORE UPDATE ON public.models FOR EACH ROW EXECUTE FUNCTION models_guard_retirement();

CREATE TRIGGER provider_costs_append_only BEFORE DELETE OR UPDATE ON public.provider_costs FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER provider_costs_no_truncate BEFORE TRUNCATE ON public.provider_costs FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER video_tasks_cost_is_final BEFORE UPDATE OF cost_credits ON public.video_tasks FOR EACH ROW WHEN ((new.cost_credits IS DISTINCT FROM old.cost_credits)) EXECUTE FUNCTION video_tasks_guard_cost();

CREATE TRIGGER video_tasks_output_is_final BEFORE UPDATE OF output_key, output_sha256, output_size, output_deleted_at ON public.video_tasks FOR EACH ROW EXECUTE FUNCTION video_tasks_guard_output();

CREATE TRIGGER video_tasks_terminal_is_final BEFORE UPDATE OF status ON public.video_tasks FOR EACH ROW EXECUTE FUNCTION video_tasks_guard_terminal();

CREATE TRIGGER webhook_attempts_append_only BEFORE DELETE OR UPDATE ON public.webhook_attempts FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();

CREATE TRIGGER webhook_attempts_no_truncate BEFORE TRUNCATE ON public.webhook_attempts FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

-- Extensions

CREATE EXTENSION pg_trgm;
