-- Issue 18: durable outputs. Every succeeded video is kept in Batchreel's own object store
-- (filesystem or S3-compatible) with its size, content type and SHA-256; a retention period per
-- account after which the retention sweep deletes it; a batch may re-run another's failed tasks.
-- None of it touches the ledger.

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "video_retention_seconds" INTEGER NOT NULL DEFAULT 2592000;

-- AlterTable
ALTER TABLE "batch_jobs" ADD COLUMN     "retried_from_batch_id" UUID;

-- AlterTable
ALTER TABLE "video_tasks" ADD COLUMN     "output_content_type" TEXT,
ADD COLUMN     "output_deleted_at" TIMESTAMPTZ(3),
ADD COLUMN     "output_duration_seconds" DOUBLE PRECISION,
ADD COLUMN     "output_expires_at" TIMESTAMPTZ(3),
ADD COLUMN     "output_key" TEXT,
ADD COLUMN     "output_sha256" TEXT,
ADD COLUMN     "output_size" BIGINT,
ADD COLUMN     "output_stored_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "batch_jobs_retried_from_batch_id_idx" ON "batch_jobs"("retried_from_batch_id");

-- AddForeignKey
ALTER TABLE "batch_jobs" ADD CONSTRAINT "batch_jobs_retried_from_batch_id_fkey" FOREIGN KEY ("retried_from_batch_id") REFERENCES "batch_jobs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- ---------------------------------------------------------------------------------------------
-- Hand-written guards.

-- From one second (tests) to ten years.
ALTER TABLE accounts
  ADD CONSTRAINT accounts_video_retention_range CHECK (video_retention_seconds BETWEEN 1 AND 315360000);

-- A retry re-runs another batch of the same account, never itself.
ALTER TABLE batch_jobs
  ADD CONSTRAINT batch_jobs_retry_not_self CHECK (retried_from_batch_id IS DISTINCT FROM id);

CREATE FUNCTION batch_jobs_guard_retry() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;

CREATE TRIGGER batch_jobs_retry_link
  BEFORE INSERT OR UPDATE OF retried_from_batch_id ON batch_jobs
  FOR EACH ROW EXECUTE FUNCTION batch_jobs_guard_retry();

-- A stored video is described whole (key, size, type, checksum, when stored, when it expires) and
-- belongs to a succeeded task only; it can be deleted (retention) but never un-deleted.
ALTER TABLE video_tasks
  ADD CONSTRAINT video_tasks_output_whole CHECK (
    (output_key IS NULL) = (output_size IS NULL)
    AND (output_key IS NULL) = (output_content_type IS NULL)
    AND (output_key IS NULL) = (output_sha256 IS NULL)
    AND (output_key IS NULL) = (output_stored_at IS NULL)
    AND (output_key IS NULL) = (output_expires_at IS NULL)
  ),
  ADD CONSTRAINT video_tasks_output_on_success CHECK (output_key IS NULL OR status = 'succeeded'),
  ADD CONSTRAINT video_tasks_output_deleted_when_stored CHECK (
    output_deleted_at IS NULL OR output_key IS NOT NULL
  ),
  ADD CONSTRAINT video_tasks_output_size_non_negative CHECK (output_size IS NULL OR output_size >= 0),
  ADD CONSTRAINT video_tasks_output_sha256_hex CHECK (
    output_sha256 IS NULL OR output_sha256 ~ '^[0-9a-f]{64}$'
  ),
  ADD CONSTRAINT video_tasks_output_duration_positive CHECK (
    output_duration_seconds IS NULL OR output_duration_seconds > 0
  );

CREATE FUNCTION video_tasks_guard_output() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;

CREATE TRIGGER video_tasks_output_is_final
  BEFORE UPDATE OF output_key, output_sha256, output_size, output_deleted_at ON video_tasks
  FOR EACH ROW EXECUTE FUNCTION video_tasks_guard_output();

-- The retention sweep: live stored videos by expiry, oldest first.
CREATE INDEX video_tasks_output_expiry
  ON video_tasks (output_expires_at) WHERE output_key IS NOT NULL AND output_deleted_at IS NULL;

-- Storage used per account (index-only: the sizes of its live stored videos).
CREATE INDEX video_tasks_output_by_account
  ON video_tasks (account_id) INCLUDE (output_size)
  WHERE output_key IS NOT NULL AND output_deleted_at IS NULL;
