/**
 * One attacking connection at a time against a rig: what the attacker was told (the first GOAWAY,
 * how many came) once its connection closed, with the process's memory bounded meanwhile.
 *
 * Lifecycle: attack() owns its raw connection and closes it before returning.
 */
import { expect } from 'vitest';
import { FrameType, errorCodeName } from '../../h2/frame/constants.js';
import {
  connectRaw,
  encodeDynamicIndex,
  encodeHeaderBlock,
  encodeIndexedLiteral,
  headersFrame,
  requestHeaders,
  type RawH2,
  type RawH2Options,
} from '../helpers/raw-h2.js';
import type { Rig } from './rig.js';

/** A response that stays open for seconds: its stream is open while an attack runs. */
export const SLOW_VIDEO = '/video?size=1000000&rate=100000';

/** RSS may grow this much over one attack (the attacked connection's buffers, allocator noise). */
const ATTACK_RSS_BOUND_MB = 100;

export interface AttackResult {
  /** The first GOAWAY's error code by name, or 'no GOAWAY'. */
  code: string;
  /** The first GOAWAY's last-stream-id, or -1. */
  lastStreamId: number;
  /** GOAWAY frames received: an error ends the connection with exactly one. */
  goaways: number;
  closed: boolean;
}

/** Writes `batch()` until the server cuts the connection, or `maxFrames` / `maxMs` are spent. */
export async function flood(c: RawH2, batch: () => Buffer[], maxFrames: number, maxMs = 5000): Promise<number> {
  const until = Date.now() + maxMs;
  let sent = 0;
  while (c.writable && sent < maxFrames && Date.now() < until) {
    const frames = batch();
    await c.send(Buffer.concat(frames));
    sent += frames.length;
  }
  return sent;
}

/**
 * Runs `run` on a fresh raw connection to `rig` (opened with `options`), waits for the server to
 * close it, and returns what the attacker was told.
 */
export async function attack(rig: Rig, run: (c: RawH2) => Promise<void>, options: Partial<RawH2Options> = {}): Promise<AttackResult> {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const c = await connectRaw({ ...options, port: rig.port });
  try {
    await run(c);
    const closed = await c.waitForClose(5000);
    return {
      code: c.goaway ? errorCodeName(c.goaway.errorCode) : 'no GOAWAY',
      lastStreamId: c.goaway?.lastStreamId ?? -1,
      goaways: c.count(FrameType.GOAWAY),
      closed,
    };
  } finally {
    c.close();
    clearInterval(sample);
    expect((Math.max(peak, process.memoryUsage().rss) - rssBefore) / 2 ** 20).toBeLessThan(ATTACK_RSS_BOUND_MB);
  }
}

/**
 * An HPACK bomb on `c`: stream 1, an allowed request, puts one 4000-byte entry in the server's
 * dynamic table (and is answered); streams 3..41 each reference it 1000 times: 4 MB of headers
 * from 1 KB on the wire. Returns the bomb streams and the origin's request count before them.
 */
export async function sendHpackBomb(c: RawH2, rig: Rig, authority: string): Promise<{ bombs: number[]; originRequestsBefore: number }> {
  await c.send(headersFrame(1, Buffer.concat([encodeHeaderBlock(requestHeaders('/small?size=10', authority)), encodeIndexedLiteral('x-seed', 'z'.repeat(4000))])));
  await c.waitFor(() => c.count(FrameType.HEADERS) === 1, 5000);
  const originRequestsBefore = rig.originRequests;
  const refs = Buffer.concat(Array.from({ length: 1000 }, () => encodeDynamicIndex(1)));
  const bombs: number[] = [];
  for (let id = 3; id < 43; id += 2) {
    bombs.push(id);
    await c.send(headersFrame(id, Buffer.concat([encodeHeaderBlock(requestHeaders('/small?size=10', authority)), refs])));
  }
  return { bombs, originRequestsBefore };
}

/** Opens stream `id` on SLOW_VIDEO (the rig listens on 127.0.0.1) and waits for its response HEADERS. */
export async function openSlowStream(c: RawH2, id: number): Promise<void> {
  await c.send(headersFrame(id, encodeHeaderBlock(requestHeaders(SLOW_VIDEO, '127.0.0.1'))));
  expect(await c.waitFor(() => c.framesOf(FrameType.HEADERS, id).length > 0, 5000)).toBe(true);
}
