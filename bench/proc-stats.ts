/**
 * Memory and CPU of a process group, read from /proc (Linux).
 *
 * A proxy under test is a process group (nghttpx runs a master and a worker), so figures are
 * summed over every process whose pgrp is the child's pid: the RSS and CPU are the proxy's own,
 * never the load generator's.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface GroupSample {
  rssBytes: number;
  /** utime + stime of every process in the group, in ms. */
  cpuMs: number;
  processes: number;
}

const CLOCK_TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

/** Fields of /proc/<pid>/stat after the `(comm)` part, which may itself contain spaces. */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // the process ended while we looked
  }
}

function rssOf(pid: string): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

export function sampleGroup(pgid: number): GroupSample {
  const sample: GroupSample = { rssBytes: 0, cpuMs: 0, processes: 0 };
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = statFields(pid);
    // After the comm: [0]=state [1]=ppid [2]=pgrp ... [11]=utime [12]=stime
    if (fields === undefined || Number(fields[2]) !== pgid) continue;
    sample.processes += 1;
    sample.rssBytes += rssOf(pid);
    sample.cpuMs += ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  }
  return sample;
}

/**
 * Pids of the group's processes that still run. Zombies are left out: a killed worker whose master
 * died first is reparented to init and stays a zombie until init reaps it, holding nothing.
 */
export function runningInGroup(pgid: number): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const fields = statFields(pid);
    if (fields !== undefined && Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(pid));
  }
  return pids;
}

/** Samples a group every `intervalMs` until stopped; reports the peak RSS and the CPU used. */
export class GroupSampler {
  private readonly first: GroupSample;
  private peakRss: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pgid: number,
    intervalMs = 50,
  ) {
    this.first = sampleGroup(pgid);
    this.peakRss = this.first.rssBytes;
    this.timer = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, sampleGroup(this.pgid).rssBytes);
    }, intervalMs);
  }

  stop(): { startRssBytes: number; peakRssBytes: number; cpuMs: number; processes: number } {
    clearInterval(this.timer);
    const last = sampleGroup(this.pgid);
    return {
      startRssBytes: this.first.rssBytes,
      peakRssBytes: Math.max(this.peakRss, last.rssBytes),
      cpuMs: last.cpuMs - this.first.cpuMs,
      processes: last.processes,
    };
  }
}
