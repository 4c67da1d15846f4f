import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The run starts its own PostgreSQL, API and worker processes: no shared test database.
    testTimeout: 30_000,
  },
});
