/**
 * Teardown for tests that start their parts one by one: push each part's end as it starts, and
 * they run after each test in reverse order (clients before proxies before origins).
 *
 * Lifecycle: a part pushed here ends in the afterEach this registers, and only there.
 */
import { afterEach } from 'vitest';

export function cleanupsAfterEach(): Array<() => unknown> {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}
