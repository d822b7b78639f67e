/**
 * Network presets named for what users know, with their numbers and where the numbers come from
 * (exported as data: the README's table is made from this list).
 *
 * `rttMs` is added round-trip time, split evenly between the two directions; rates are per
 * direction in bits/s (down = server → client). Jitter and loss are only set where the source
 * has them or where the preset's point is them (then the source says it is h2race's choice).
 * A preset with a rate has a bottleneck queue, each direction (`queue`, with its own source); `lan`
 * and presets without a rate have none (the link holds at its high-water mark, as before).
 */
import { z } from 'zod';
import type { JitterDistribution } from '../toxics/jitter.js';
import type { QueueSize } from './units.js';

export interface Preset {
  name: string;
  aliases: readonly string[];
  summary: string;
  rttMs: number;
  downBitsPerSecond?: number;
  upBitsPerSecond?: number;
  jitterMs?: number;
  jitterDistribution?: JitterDistribution;
  lossPercent?: number;
  rtoMs?: number;
  source: string;
  /** The bottleneck's queue, each direction, and where its size comes from. */
  queue?: { size: QueueSize; source: string };
}

const DEVTOOLS = 'Chrome DevTools network throttling presets (devtools-frontend SDK/NetworkManager.ts)';
const WPT = 'WebPageTest connectivity profiles (connectivity.ini.sample)';

/** Home routers and hosts: Linux's default txqueuelen, 1000 packets of 1500 B. */
const TXQUEUELEN = { size: { bytes: 1_500_000 }, source: "Linux's default txqueuelen: 1000 packets of 1500 B" } as const;
/** Cable and DSL access: at most one bandwidth-delay product, at a 100 ms path. */
const ACCESS_BDP = {
  size: { ms: 100 },
  source: 'one bandwidth-delay product at a 100 ms path, the most Martin et al. (IEEE Sarnoff 2010, "Cable Modem Buffer Management in DOCSIS Networks") find worth buffering; CableLabs CM-GL-Buffer-V01 lets operators set it',
} as const;
/**
 * Cellular base stations keep deep per-user queues (seconds, measured: bufferbloat); h2race's
 * default is what an AQM lets stand instead — a queue the seeks of a video can live with.
 */
const CELLULAR = {
  size: { ms: 100 },
  source:
    "h2race's choice: 100 ms, the burst a CoDel AQM lets a queue hold (RFC 8289: interval 100 ms); loaded 3G/4G links measured seconds of queueing (Jiang et al., \"Understanding bufferbloat in cellular networks\", CellNet 2012): --queue 2s",
} as const;

export const PRESETS: readonly Preset[] = [
  {
    name: 'lan',
    aliases: ['ethernet'],
    summary: 'wired gigabit LAN',
    rttMs: 0,
    downBitsPerSecond: 1e9,
    upBitsPerSecond: 1e9,
    source: 'Gigabit Ethernet line rate; LAN round trips are well under 1 ms, so no delay is added',
  },
  {
    name: 'wifi',
    aliases: [],
    summary: 'home Wi-Fi: fast, with a jittery first hop',
    rttMs: 6,
    downBitsPerSecond: 50e6,
    upBitsPerSecond: 20e6,
    jitterMs: 4,
    jitterDistribution: 'paretonormal',
    lossPercent: 0.1,
    source: "h2race's choice: a few ms of long-tailed first-hop delay as measured for Wi-Fi (Sui et al., MobiSys 2016) on a 50/20 Mbit/s line",
    queue: TXQUEUELEN,
  },
  {
    name: 'fios',
    aliases: ['fiber'],
    summary: 'fibre to the home',
    rttMs: 4,
    downBitsPerSecond: 20e6,
    upBitsPerSecond: 5e6,
    source: `${WPT}: FIOS 20/5 Mbps, 4 ms RTT`,
    queue: TXQUEUELEN,
  },
  {
    name: 'cable',
    aliases: [],
    summary: 'cable broadband',
    rttMs: 28,
    downBitsPerSecond: 5e6,
    upBitsPerSecond: 1e6,
    source: `${WPT}: Cable 5/1 Mbps, 28 ms RTT`,
    queue: ACCESS_BDP,
  },
  {
    name: 'dsl',
    aliases: [],
    summary: 'ADSL',
    rttMs: 50,
    downBitsPerSecond: 1.5e6,
    upBitsPerSecond: 384e3,
    source: `${WPT}: DSL 1.5 Mbps/384 Kbps, 50 ms RTT`,
    queue: ACCESS_BDP,
  },
  {
    name: 'lte',
    aliases: [],
    summary: 'good LTE',
    rttMs: 70,
    downBitsPerSecond: 12e6,
    upBitsPerSecond: 12e6,
    source: `${WPT}: LTE 12/12 Mbps, 70 ms RTT`,
    queue: CELLULAR,
  },
  {
    name: '4g',
    aliases: ['fast-4g'],
    summary: 'typical 4G (DevTools "Fast 4G")',
    rttMs: 165,
    downBitsPerSecond: 8.1e6,
    upBitsPerSecond: 1.35e6,
    source: `${DEVTOOLS}: Fast 4G = 9 Mbps × 0.9 down, 1.5 Mbps × 0.9 up, 60 ms × 2.75 latency`,
    queue: CELLULAR,
  },
  {
    name: '4g-slow',
    aliases: ['slow-4g', 'fast-3g'],
    summary: 'slow 4G / fast 3G (DevTools "Slow 4G", formerly "Fast 3G"; Lighthouse mobile)',
    rttMs: 563,
    downBitsPerSecond: 1.44e6,
    upBitsPerSecond: 675e3,
    source: `${DEVTOOLS}: Slow 4G = 1.6 Mbps × 0.9 down, 750 Kbps × 0.9 up, 150 ms × 3.75 latency`,
    queue: CELLULAR,
  },
  {
    name: '3g',
    aliases: [],
    summary: '3G',
    rttMs: 300,
    downBitsPerSecond: 1.6e6,
    upBitsPerSecond: 768e3,
    source: `${WPT}: 3G 1.6 Mbps/768 Kbps, 300 ms RTT`,
    queue: CELLULAR,
  },
  {
    name: '3g-slow',
    aliases: ['slow-3g'],
    summary: 'slow 3G (DevTools "3G", formerly "Slow 3G")',
    rttMs: 2000,
    downBitsPerSecond: 400e3,
    upBitsPerSecond: 400e3,
    source: `${DEVTOOLS}: 3G = 500 Kbps × 0.8 each way, 400 ms × 5 latency`,
    queue: CELLULAR,
  },
  {
    name: '2g',
    aliases: [],
    summary: '2G',
    rttMs: 800,
    downBitsPerSecond: 280e3,
    upBitsPerSecond: 256e3,
    source: `${WPT}: 2G 280/256 Kbps, 800 ms RTT`,
    queue: CELLULAR,
  },
  {
    name: 'edge',
    aliases: ['2g-edge'],
    summary: 'EDGE',
    rttMs: 840,
    downBitsPerSecond: 240e3,
    upBitsPerSecond: 200e3,
    source: `${WPT}: Edge 240/200 Kbps, 840 ms RTT`,
    queue: CELLULAR,
  },
  {
    name: 'satellite',
    aliases: ['geo'],
    summary: 'geostationary satellite broadband',
    rttMs: 600,
    downBitsPerSecond: 25e6,
    upBitsPerSecond: 3e6,
    source: 'FCC Measuring Broadband America: geostationary satellite round trips ≈ 600 ms; 25/3 Mbps plan rates',
    queue: TXQUEUELEN,
  },
  {
    name: 'intercontinental',
    aliases: ['far'],
    summary: 'a server on another continent (Europe ↔ Australia)',
    rttMs: 260,
    jitterMs: 5,
    jitterDistribution: 'normal',
    source: 'WonderNetwork global ping statistics: London ↔ Sydney ≈ 260 ms RTT; jitter is h2race\'s choice',
  },
  {
    name: 'transatlantic',
    aliases: [],
    summary: 'a server across the Atlantic (London ↔ New York)',
    rttMs: 75,
    jitterMs: 2,
    jitterDistribution: 'normal',
    source: 'WonderNetwork global ping statistics: London ↔ New York ≈ 75 ms RTT; jitter is h2race\'s choice',
  },
  {
    name: 'lossy-mobile',
    aliases: [],
    summary: 'a congested cell: 4G rates, heavy jitter and 2% segment loss',
    rttMs: 165,
    downBitsPerSecond: 8.1e6,
    upBitsPerSecond: 1.35e6,
    jitterMs: 40,
    jitterDistribution: 'paretonormal',
    lossPercent: 2,
    rtoMs: 300,
    source: `${DEVTOOLS}: Fast 4G numbers, plus h2race's choice of 2% loss with a 300 ms RTO and 40 ms long-tailed jitter`,
    queue: CELLULAR,
  },
];

export function findPreset(name: string): Preset | undefined {
  const key = name.toLowerCase();
  return PRESETS.find((p) => p.name === key || p.aliases.includes(key));
}

export function presetNames(): string[] {
  return PRESETS.map((p) => p.name);
}

/** A preset's name, in a config file, a profile step or a `profile` toxic. */
export const presetName = z.string().superRefine((name, ctx) => {
  if (!findPreset(name)) ctx.addIssue({ code: 'custom', message: `unknown preset "${name}" (known: ${presetNames().join(', ')})` });
});
