// Prisma CLI configuration. Only `prisma generate` runs on these machines (the migrate commands
// need a native engine that cannot be downloaded here); migrations are applied by src/migrate.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
