/**
 * Bench child: h2race (startH2race, faults off) in its own process, one pool mode per process.
 * With `framePath: false` it is h2race's engine and forwarding core alone, which splits h2race's
 * cost into "forwarding" and "engine path + pool".
 */
import type { BufferPool } from '../faults/pool/types.js';
import { registerBuiltinToxics } from '../faults/toxics/builtin.js';
import { startH2race } from '../proxy/h2race.js';
import { createProxyEvents } from '../proxy/events.js';
import { childConfig, serveRole } from './child-side.js';
import type { H2raceChildConfig } from './configs.js';

// A bench child is a composition root of its own process.
registerBuiltinToxics();
serveRole(async () => {
  const config = childConfig<H2raceChildConfig>();
  const h2race = await startH2race({
    events: createProxyEvents(),
    listen: '127.0.0.1:0',
    origin: `h2c://127.0.0.1:${config.upstreamPort}`,
    cert: config.certFile,
    key: config.keyFile,
    pool: { mode: config.pool },
    framePath: config.framePath,
  });
  const allocated = countAllocatedBytes(h2race.pool);
  return {
    ports: { https: h2race.proxy.address.port },
    poolCounters: config.framePath
      ? () => ({ ...numericCounters(h2race.pool.stats()), allocatedBytes: allocated.bytes })
      : undefined,
    close: () => h2race.close(),
  };
});

/**
 * Bytes of buffer memory the pool allocated: PoolStats counts allocations but not their size, so
 * the bench wraps this process's pool instance and adds the capacity of every buffer it has not
 * seen before (a buffer object the pool hands out for the first time is new memory). The wrap costs
 * one WeakSet lookup per frame, the same in every mode.
 */
function countAllocatedBytes(pool: BufferPool): { bytes: number } {
  const counter = { bytes: 0 };
  const seen = new WeakSet<Buffer>();
  const acquire = pool.acquire.bind(pool);
  pool.acquire = (length, owner) => {
    const lease = acquire(length, owner);
    if (!seen.has(lease.buffer)) {
      seen.add(lease.buffer);
      counter.bytes += lease.buffer.length;
    }
    return lease;
  };
  return counter;
}

/** The pool's counters (its `mode` is not a number). */
function numericCounters(stats: object): Record<string, number> {
  return Object.fromEntries(Object.entries(stats).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
