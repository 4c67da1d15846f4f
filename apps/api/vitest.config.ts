import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: [
      '@batchreel/db/vitest-global-setup',
      './test/browser/global-setup.ts',
      './test/support/built-api.ts',
    ],
    // Most of a file's time is spent waiting (on a simulated provider, a worker's poll, a child
    // process, a browser), not computing: three files at a time keep two cores busy. Each file has
    // its own database, ports and processes, so files never share state.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `expect.poll` waits for something to become true (a page rendered, a job done). Its default
    // of 1 s is too short when the suite's files run side by side on two cores: a lazily loaded
    // admin page took longer under load. Waiting longer costs nothing when things are fast.
    expect: { poll: { timeout: 15_000 } },
  },
});
