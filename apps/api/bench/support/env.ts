// What the benches read from their environment (nothing else under bench/ reads `process.env`).
export const benchEnv = {
  /**
   * A PostgreSQL server (15+) whose role may CREATE DATABASE: a bench creates a fresh database
   * there and drops it at the end. Unset (or empty): a temporary embedded cluster.
   */
  databaseUrl: process.env.DATABASE_URL || undefined,
};
