/**
 * A configuration under load: something h2load connects to over TLS h2. The bench owns its
 * process (through ChildProcesses); the child's pid leads the process group /proc sampling reads.
 */
import type { StartedChild } from './children.js';

/** What a node child (origin, plain forward, h2race) reports about one measurement window (bench/child-measure.ts). */
export interface WindowStats {
  gcMs: number;
  gcCount: number;
  /** V8 heap bytes allocated, from the used-heap size before and after each GC. */
  heapAllocatedBytes: number;
  /** External (ArrayBuffer/Buffer) bytes allocated, measured the same way. */
  externalAllocatedBytes: number;
  /** The buffer pool's own counters over the window, when the target has a pool. */
  pool?: Record<string, number>;
}

export interface Target {
  /** Row name in the report, e.g. `h2race retain`, `nghttpx`. */
  name: string;
  /** Base URL h2load uses: https://127.0.0.1:<port> */
  url: string;
  child: StartedChild;
  /** Starts a measurement window inside the process (node targets only). */
  beginWindow?: () => Promise<void>;
  endWindow?: () => Promise<WindowStats>;
}
