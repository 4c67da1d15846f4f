import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the `@batchreel/db` package. */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = join(PACKAGE_DIR, 'prisma', 'schema.prisma');
export const MIGRATIONS_DIR = join(PACKAGE_DIR, 'prisma', 'migrations');
