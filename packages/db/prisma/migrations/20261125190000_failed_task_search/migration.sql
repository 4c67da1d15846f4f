-- Support's failed-task search (SPEC §7: "fast on millions of tasks"), served by
-- `batches.searchFailed` in apps/api/src/batches/admin-router.ts. Hand-written only: Prisma can
-- describe neither partial nor trigram indexes. Failed tasks are a small share of all tasks, so
-- partial indexes over them stay small however many tasks succeed.

-- Trigram operators for the substring (ILIKE '%…%') filter. Trusted since PostgreSQL 13: a
-- database owner may create it without superuser rights.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Newest failure first, keyset-paged on (finished_at, id): the unfiltered search and its pages,
-- and the walk a common text is tested along.
CREATE INDEX video_tasks_failed_recent
  ON video_tasks (finished_at DESC, id DESC) WHERE status = 'failed';

-- One error class, newest first: without it a rare class (one failure in 200) means reading
-- every failure to fill a page.
CREATE INDEX video_tasks_failed_by_code
  ON video_tasks (error_code, finished_at DESC, id DESC) WHERE status = 'failed';

-- Text in the prompt or the error. The search's ILIKE must use exactly this expression for the
-- planner to match it.
CREATE INDEX video_tasks_failed_text_trgm
  ON video_tasks USING gin ((prompt || ' ' || coalesce(error_message, '')) gin_trgm_ops)
  WHERE status = 'failed';
