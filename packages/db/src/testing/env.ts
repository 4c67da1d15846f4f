// The only environment the test harness reads. `DATABASE_URL`, when set, names a PostgreSQL
// server (15+) whose user may CREATE DATABASE: tests clone their databases on that server.
// Otherwise an embedded cluster is started for the run.
export const testEnv = {
  databaseUrl: process.env.DATABASE_URL || undefined,
  keepDatabases: process.env.TEST_KEEP_DATABASES === 'true',
};
