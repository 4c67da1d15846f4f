-- Webhooks (SPEC §6): guards for signing secrets and the delivery log. Hand-written only; the
-- tables themselves came with the first migration.

-- One current signing secret per account. Rotation gives the previous one an expiry (the overlap
-- window during which deliveries carry both signatures) before the new one is inserted, and lazy
-- creation of an account's first secret relies on this index to be race-free.
CREATE UNIQUE INDEX webhook_secrets_one_current
  ON webhook_secrets (account_id) WHERE expires_at IS NULL;
ALTER TABLE webhook_secrets
  ADD CONSTRAINT webhook_secrets_whsec_format CHECK (secret ~ '^whsec_[A-Za-z0-9+/]{40,}={0,2}$');

-- The delivery log is evidence for support and for clients: attempts are never edited.
CREATE TRIGGER webhook_attempts_append_only
  BEFORE UPDATE OR DELETE ON webhook_attempts
  FOR EACH ROW EXECUTE FUNCTION reject_append_only_change();
CREATE TRIGGER webhook_attempts_no_truncate
  BEFORE TRUNCATE ON webhook_attempts
  FOR EACH STATEMENT EXECUTE FUNCTION reject_append_only_change();

ALTER TABLE webhook_deliveries
  ADD CONSTRAINT webhook_deliveries_attempt_count_non_negative CHECK (attempt_count >= 0),
  ADD CONSTRAINT webhook_deliveries_delivered_has_time
    CHECK (status <> 'delivered' OR delivered_at IS NOT NULL);
ALTER TABLE webhook_attempts
  ADD CONSTRAINT webhook_attempts_latency_non_negative CHECK (latency_ms >= 0),
  ADD CONSTRAINT webhook_attempts_outcome_recorded CHECK (status_code IS NOT NULL OR error IS NOT NULL);

-- Deliveries still due, by when (the backlog operations watch, and a repair sweep reads).
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
