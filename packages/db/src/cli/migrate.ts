// `pnpm --filter @batchreel/db migrate`: applies pending migrations to DATABASE_URL.
import { migrate } from '../migrate/runner';
import { cliEnv } from './env';

const connectionString = cliEnv.databaseUrl;
if (!connectionString) {
  console.error('DATABASE_URL is not set: name the PostgreSQL database to migrate.');
  process.exit(2);
}
const result = await migrate(connectionString, { log: (m) => console.log(m) });
console.log(
  result.applied.length
    ? `applied ${result.applied.length} migration(s)`
    : 'database is up to date; nothing applied',
);
if (result.unknown.length) {
  console.warn(`the database has migrations this code does not know: ${result.unknown.join(', ')}`);
}
