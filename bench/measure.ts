/**
 * One cell of the bench: one workload against one configuration, with the configuration's own
 * process sampled (/proc) and, for node targets, its GC and allocation window read from inside.
 */
import type { ChildProcesses } from './children.js';
import { runH2load, type H2loadResult } from './h2load.js';
import { GroupSampler } from './proc-stats.js';
import type { Target, WindowStats } from './target.js';
import type { Workload } from './workloads.js';

export interface CellResult {
  config: string;
  workload: Workload['name'];
  round: number;
  h2load: H2loadResult;
  /** The configuration's process group during the run (for `direct`, the origin itself). */
  process: { startRssBytes: number; peakRssBytes: number; cpuMs: number; processes: number };
  window?: WindowStats;
}

export async function measureCell(
  h2loadPath: string,
  children: ChildProcesses,
  target: Target,
  workload: Workload,
  round: number,
): Promise<CellResult> {
  await target.beginWindow?.();
  let sampler: GroupSampler | undefined;
  try {
    const h2load = await runH2load(h2loadPath, children, {
      url: target.url + workload.path,
      amount: workload.amount,
      clients: workload.clients,
      streams: workload.streams,
      rpsPerClient: workload.rpsPerClient,
      headers: workload.headers,
      timeoutMs: workload.timeoutMs,
      onStart: () => {
        sampler = new GroupSampler(target.child.pid);
      },
    });
    const process = sampler!.stop();
    sampler = undefined;
    const window = await target.endWindow?.();
    return { config: target.name, workload: workload.name, round, h2load, process, window };
  } finally {
    sampler?.stop();
  }
}
