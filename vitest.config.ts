import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The toxic types are registered by a composition root; for the tests it is this file.
    setupFiles: ['test/setup-toxics.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests open real sockets and servers; two cores, so keep file-level parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
