/**
 * Comparison runs of the h2spec port against other servers (node:http2, nghttpx). Not part of
 * `npm test`: their failures are the other servers' and are reported, not fixed. Run with
 *   npx vitest run --config test/h2spec/compare/vitest.config.ts
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/h2spec/compare/*.compare.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
