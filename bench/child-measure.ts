/**
 * GC time and bytes allocated inside a process, over a window the bench opens and closes.
 *
 * - GC time: PerformanceObserver 'gc' entries (the durations V8 reports), summed.
 * - Bytes allocated: V8 keeps no running total, so it is inferred from v8.GCProfiler, which records
 *   the heap before and after every GC: what a GC found in use minus what the previous GC left is
 *   what was allocated between them (plus what is in use at the end of the window beyond the last
 *   GC). The same is done for V8's external memory, where Buffer/ArrayBuffer storage is counted.
 *   It is a lower bound: an object allocated and freed between two samples of external memory that
 *   Node adjusts lazily can be missed. The pool's own counters are reported beside it.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { WindowStats } from './target.js';

interface HeapPoint {
  used: number;
  external: number;
}

export class MeasureWindow {
  private gcMs = 0;
  private gcCount = 0;
  private profiler: v8.GCProfiler | undefined;
  private start: HeapPoint = now();
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      this.gcMs += entry.duration;
      this.gcCount += 1;
    }
  });

  begin(): void {
    this.profiler?.stop();
    this.observer.disconnect();
    this.gcMs = 0;
    this.gcCount = 0;
    this.observer.observe({ entryTypes: ['gc'] });
    this.profiler = new v8.GCProfiler();
    this.start = now();
    this.profiler.start();
  }

  end(): Omit<WindowStats, 'pool'> {
    const end = now();
    const profile = this.profiler?.stop();
    this.profiler = undefined;
    // Deliver the observer's buffered entries before reading the sum.
    for (const entry of this.observer.takeRecords()) {
      this.gcMs += entry.duration;
      this.gcCount += 1;
    }
    this.observer.disconnect();
    let heap = 0;
    let external = 0;
    let previous = this.start;
    for (const gc of profile?.statistics ?? []) {
      const before = gc.beforeGC.heapStatistics;
      const after = gc.afterGC.heapStatistics;
      heap += Math.max(0, before.usedHeapSize - previous.used);
      external += Math.max(0, before.externalMemory - previous.external);
      previous = { used: after.usedHeapSize, external: after.externalMemory };
    }
    heap += Math.max(0, end.used - previous.used);
    external += Math.max(0, end.external - previous.external);
    return {
      gcMs: this.gcMs,
      gcCount: this.gcCount,
      heapAllocatedBytes: heap,
      externalAllocatedBytes: external,
    };
  }
}

function now(): HeapPoint {
  const stats = v8.getHeapStatistics();
  return { used: stats.used_heap_size, external: stats.external_memory };
}
