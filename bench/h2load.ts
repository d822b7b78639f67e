/**
 * Runs h2load once and turns its output into numbers.
 *
 * h2load's summary gives counts, traffic and the run's duration; its latency columns have no
 * percentiles, so every run writes `--log-file` (one line per request: start µs, status, µs to the
 * end of the response) and p50/p99 come from there.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcesses } from './children.js';

export interface H2loadRun {
  url: string;
  /** How much load: a number of requests, or whole seconds of load (h2load --duration). */
  amount: { requests: number } | { seconds: number };
  clients: number;
  /** Concurrent streams per connection (-m). */
  streams: number;
  /** Fixed request rate per client (--rps); unset = as fast as possible. */
  rpsPerClient?: number;
  headers?: Record<string, string>;
  /** Kill h2load after this long: a stuck peer must not hang the bench. */
  timeoutMs: number;
  /** Called once h2load is running, e.g. to start sampling the proxy's memory. */
  onStart?: () => void;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
}

export interface H2loadResult {
  durationSec: number;
  reqPerSec: number;
  requests: { total: number; done: number; succeeded: number; failed: number; errored: number; timeout: number };
  status2xx: number;
  trafficBytes: number;
  dataBytes: number;
  /** Response body bytes per second, in MB (10^6 bytes). */
  dataMBps: number;
  latency: LatencySummary;
  protocol: string;
}

export async function runH2load(
  h2loadPath: string,
  children: ChildProcesses,
  run: H2loadRun,
): Promise<H2loadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'h2race-h2load-'));
  const logFile = join(dir, 'requests.log');
  const args = [
    'requests' in run.amount ? `--requests=${run.amount.requests}` : `--duration=${run.amount.seconds}`,
    `--clients=${run.clients}`,
    `--max-concurrent-streams=${run.streams}`,
    '--threads=1',
    `--log-file=${logFile}`,
    ...(run.rpsPerClient === undefined ? [] : [`--rps=${run.rpsPerClient}`]),
    ...Object.entries(run.headers ?? {}).map(([k, v]) => `--header=${k}: ${v}`),
    run.url,
  ];
  try {
    const child = children.spawn('h2load', h2loadPath, args);
    run.onStart?.();
    const timer = setTimeout(() => void children.stop(child, 500), run.timeoutMs);
    const ended = await child.exited;
    clearTimeout(timer);
    const output = child.output();
    if (ended !== 'exit 0') {
      throw new Error(`h2load ${ended} for ${run.url}: ${lastLines(output)}`);
    }
    const summary = parseH2loadSummary(output);
    const latency = summariseLatencyLog(await readFile(logFile, 'utf8'));
    return { ...summary, latency };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Parses h2load's text summary (nghttp2 1.4x–1.6x format). Throws naming the missing line. */
export function parseH2loadSummary(output: string): Omit<H2loadResult, 'latency'> {
  const finished = match(output, /finished in ([\d.]+)(us|ms|s), ([\d.]+) req\/s/, 'finished in');
  const durationSec = Number(finished[1]) * UNIT_SECONDS[finished[2]!]!;
  const req = match(
    output,
    /requests: (\d+) total, \d+ started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/,
    'requests:',
  );
  const status = match(output, /status codes: (\d+) 2xx/, 'status codes:');
  const traffic = match(output, /traffic: [^(]*\((\d+)\) total,.*?\((\d+)\) data/, 'traffic:');
  const protocol = /Application protocol: (\S+)/.exec(output)?.[1] ?? 'unknown';
  const dataBytes = Number(traffic[2]);
  return {
    durationSec,
    reqPerSec: Number(finished[3]),
    requests: {
      total: Number(req[1]),
      done: Number(req[2]),
      succeeded: Number(req[3]),
      failed: Number(req[4]),
      errored: Number(req[5]),
      timeout: Number(req[6]),
    },
    status2xx: Number(status[1]),
    trafficBytes: Number(traffic[1]),
    dataBytes,
    dataMBps: durationSec > 0 ? dataBytes / durationSec / 1e6 : 0,
    protocol,
  };
}

/** p50/p99 of the successful requests in an h2load `--log-file`. */
export function summariseLatencyLog(log: string): LatencySummary {
  const micros: number[] = [];
  for (const line of log.split('\n')) {
    const [, status, us] = line.split('\t');
    if (status === undefined || us === undefined || Number(status) < 0) continue;
    const value = Number(us);
    if (Number.isFinite(value)) micros.push(value);
  }
  micros.sort((a, b) => a - b);
  // Nearest-rank percentile.
  const at = (q: number): number =>
    micros.length === 0 ? NaN : micros[Math.max(0, Math.ceil(q * micros.length) - 1)]! / 1000;
  const mean = micros.length === 0 ? NaN : micros.reduce((s, v) => s + v, 0) / micros.length / 1000;
  return { count: micros.length, p50Ms: at(0.5), p99Ms: at(0.99), meanMs: mean, maxMs: at(1) };
}

const UNIT_SECONDS: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1 };

function match(output: string, pattern: RegExp, line: string): RegExpExecArray {
  const found = pattern.exec(output);
  if (!found) throw new Error(`h2load output has no parsable "${line}" line: ${lastLines(output)}`);
  return found;
}

function lastLines(output: string): string {
  return output.trim().split('\n').slice(-6).join(' | ');
}
