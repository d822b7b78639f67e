/**
 * The four workloads and their sizes. `full`, `quick` and `tiny` run the same code; only the counts
 * differ (quick stays under a minute for CI-like checks, tiny is what the bench's own test uses).
 */
export type Scale = 'full' | 'quick' | 'tiny';

export type WorkloadName = 'small' | 'large' | 'rate' | 'connections';

export interface Workload {
  name: WorkloadName;
  title: string;
  path: string;
  headers?: Record<string, string>;
  /** Requests, or seconds: a full run under saturating load lasts the same on a busy machine. */
  amount: { requests: number } | { seconds: number };
  clients: number;
  streams: number;
  rpsPerClient?: number;
  /** Rounds interleaved across configurations; the report keeps each metric's median. */
  rounds: number;
  timeoutMs: number;
}

const SMALL_PATH = '/small?size=1024';
const VIDEO_BYTES = 64 * 1024 * 1024;

type Amount = Workload['amount'];

interface Counts {
  small: Amount;
  /** Ranged downloads: a number of them, or seconds of back-to-back downloads. */
  downloads: Amount;
  downloadBytes: number;
  ratePerClient: number;
  rateRequests: number;
  connections: Amount;
  /** Connections of the many-connections workload (10 streams each). */
  connectionClients: number;
  /** Requests per configuration before anything is recorded (0: no warm-up). */
  warmUpRequests: number;
  rounds: number;
}

const COUNTS: Record<Scale, Counts> = {
  full: {
    small: { seconds: 3 },
    downloads: { seconds: 3 },
    downloadBytes: VIDEO_BYTES,
    ratePerClient: 40,
    rateRequests: 1_200,
    // Counted, not timed: h2load 1.52 in --duration mode can hang at the end with 100 clients.
    connections: { requests: 5_000 },
    connectionClients: 100,
    warmUpRequests: 500,
    rounds: 3,
  },
  quick: {
    small: { requests: 1_000 },
    downloads: { requests: 1 },
    downloadBytes: VIDEO_BYTES,
    ratePerClient: 40,
    rateRequests: 200,
    connections: { requests: 1_000 },
    connectionClients: 100,
    warmUpRequests: 200,
    rounds: 1,
  },
  tiny: {
    small: { requests: 100 },
    downloads: { requests: 1 },
    downloadBytes: 4 * 1024 * 1024,
    ratePerClient: 40,
    rateRequests: 40,
    // Fewer connections: a hundred TLS handshakes per configuration is most of the tiny run.
    connections: { requests: 200 },
    connectionClients: 20,
    warmUpRequests: 0,
    rounds: 1,
  },
};

export function warmUpRequests(scale: Scale): number {
  return COUNTS[scale].warmUpRequests;
}

/**
 * In this order: the many-connections RSS is read before the downloads have grown any heap, and the
 * fixed-rate latency before the downloads too.
 */
export function workloads(scale: Scale): Workload[] {
  const c = COUNTS[scale];
  return [
    {
      name: 'small',
      title: '1 KiB responses, 4 connections × 32 streams',
      path: SMALL_PATH,
      amount: c.small,
      clients: 4,
      streams: 32,
      rounds: c.rounds,
      timeoutMs: 60_000,
    },
    {
      name: 'connections',
      title: `${c.connectionClients * 10} concurrent streams over ${c.connectionClients} connections, 1 KiB`,
      path: SMALL_PATH,
      amount: c.connections,
      clients: c.connectionClients,
      streams: 10,
      rounds: c.rounds,
      timeoutMs: 90_000,
    },
    {
      name: 'rate',
      title: `fixed rate ${c.ratePerClient * 10} req/s (10 connections × ${c.ratePerClient} req/s), 1 KiB`,
      path: SMALL_PATH,
      amount: { requests: c.rateRequests },
      clients: 10,
      streams: 1,
      rpsPerClient: c.ratePerClient,
      rounds: c.rounds,
      timeoutMs: 120_000,
    },
    {
      name: 'large',
      title: `${c.downloadBytes / 1024 / 1024} MiB ranged downloads of /video, 1 connection × 2 streams`,
      path: '/video',
      headers: { range: `bytes=0-${c.downloadBytes - 1}` },
      amount: c.downloads,
      clients: 1,
      streams: 2,
      rounds: c.rounds,
      timeoutMs: 90_000,
    },
  ];
}
