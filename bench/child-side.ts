/**
 * The inside of a node child the bench starts (origin, h2race, plain forward): it starts its role,
 * tells the bench its ports over IPC, answers measurement requests, and ends when told to, on
 * SIGTERM, or when the bench disappears (IPC disconnect), so it never outlives the bench.
 *
 *   bench ──{id, op:'begin'|'end'|'stop'}──▶ child
 *   bench ◀──{type:'ready', ports} / {id, ok, result|error}── child
 */
import { MeasureWindow } from './child-measure.js';

export interface ServedRole {
  ports: Record<string, number>;
  /** Cumulative counters of the role's buffer pool, if it has one. */
  poolCounters?: () => Record<string, number>;
  close(): Promise<void>;
}

export interface BenchRequest {
  id: number;
  op: 'begin' | 'end' | 'stop';
}

export type ChildMessage =
  | { type: 'ready'; ports: Record<string, number> }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

/** The JSON config the bench passes as the child's first argument. */
export function childConfig<T>(): T {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('bench child started without its JSON config argument');
  return JSON.parse(raw) as T;
}

export function serveRole(start: () => Promise<ServedRole>): void {
  const send = (message: ChildMessage): void => {
    process.send?.(message);
  };
  void start().then(
    (role) => {
      const window = new MeasureWindow();
      let poolAtBegin: Record<string, number> = {};
      let closing = false;
      const stop = (): void => {
        if (closing) return;
        closing = true;
        // Whatever close() leaves open (a stuck session), the process still ends.
        const force = setTimeout(() => process.exit(0), 2_000);
        force.unref();
        void role.close().finally(() => process.exit(0));
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      process.on('disconnect', stop);
      process.on('message', (request: BenchRequest) => {
        try {
          if (request.op === 'begin') {
            poolAtBegin = role.poolCounters?.() ?? {};
            window.begin();
            send({ type: 'reply', id: request.id, ok: true, result: null });
          } else if (request.op === 'end') {
            const stats = window.end();
            const poolNow = role.poolCounters?.();
            const pool = poolNow === undefined ? undefined : counterDelta(poolAtBegin, poolNow);
            send({ type: 'reply', id: request.id, ok: true, result: { ...stats, pool } });
          } else {
            send({ type: 'reply', id: request.id, ok: true, result: null });
            stop();
          }
        } catch (error) {
          send({ type: 'reply', id: request.id, ok: false, error: String(error) });
        }
      });
      send({ type: 'ready', ports: role.ports });
    },
    (error: unknown) => {
      console.error(`bench child failed to start: ${error instanceof Error ? error.stack : String(error)}`);
      process.exit(1);
    },
  );
}

/** The pool's gauges; every other counter only grows and is reported as its change over the window. */
const GAUGES = new Set(['inUse', 'highWaterInUse', 'free']);

function counterDelta(before: Record<string, number>, now: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(now)) out[key] = GAUGES.has(key) ? value : value - (before[key] ?? 0);
  return out;
}
