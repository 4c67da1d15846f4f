-- Per-model generation parameters a request may choose (SPEC §3: parameters validated per model).

-- AlterTable
ALTER TABLE "models" ADD COLUMN     "allowed_seconds" INTEGER[] DEFAULT ARRAY[4, 8, 12]::INTEGER[],
ADD COLUMN     "allowed_sizes" TEXT[] DEFAULT ARRAY['1280x720', '720x1280']::TEXT[];

-- Hand-written: every model offers at least one choice of each (the first is the default).
ALTER TABLE models
  ADD CONSTRAINT models_allowed_seconds_present CHECK (cardinality(allowed_seconds) >= 1),
  ADD CONSTRAINT models_allowed_sizes_present CHECK (cardinality(allowed_sizes) >= 1);
