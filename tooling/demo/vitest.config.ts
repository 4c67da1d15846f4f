import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The demo starts its own system (embedded PostgreSQL in a temporary directory).
    testTimeout: 30_000,
  },
});
