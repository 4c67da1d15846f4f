// The environment of the db package's command-line tools.
export const cliEnv = {
  databaseUrl: process.env.DATABASE_URL || undefined,
};
