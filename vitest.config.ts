import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests open real sockets and servers; two cores, so keep file-level parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
  },
});
