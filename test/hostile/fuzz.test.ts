/**
 * A seeded frame fuzzer: each case is valid client traffic (requests, uploads, window updates,
 * pings, resets, settings) with a few seeded mutations (bit flips, changed lengths, types, flags
 * and stream ids, cut, duplicated, swapped and foreign frames), sent on its own connection. After
 * every case the proxy must still answer a good request byte-exact on a long-lived honest
 * connection; at the end nothing may be left open upstream and every pool buffer is back.
 *
 * H2RACE_FUZZ_SEED and H2RACE_FUZZ_CASES replay or widen a run locally; CI runs the defaults.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType, SettingId, errorCodeName } from '../../h2/frame/constants.js';
import { readFrameHeader } from '../../h2/frame/codec.js';
import { SeededRandom } from '../../faults/random.js';
import {
  connectRaw,
  dataFrame,
  encodeHeaderBlock,
  frame,
  goawayFrame,
  headerBlockFrames,
  pingFrame,
  requestHeaders,
  rstFrame,
  settingsFrame,
  windowUpdateFrame,
} from '../helpers/raw-h2.js';
import { checkedGet, startRig, type Rig } from './rig.js';

const SEED = Number(process.env.H2RACE_FUZZ_SEED ?? 20_231_010);
const CASES = Number(process.env.H2RACE_FUZZ_CASES ?? 200);
const AUTHORITY = '127.0.0.1';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig({ proxy: { h2cListen: '127.0.0.1:0' } });
});
afterAll(async () => {
  await rig.close();
  expect(rig.pool.stats().inUse).toBe(0);
});

/** One case's valid traffic, frame by frame (each entry one whole frame). */
function validTraffic(random: SeededRandom): Buffer[] {
  const frames: Buffer[] = [];
  const streams = random.int(1, 6);
  for (let s = 0; s < streams; s++) {
    const id = 1 + 2 * s;
    switch (random.int(0, 3)) {
      case 0: // a small GET, maybe its header block split in CONTINUATIONs
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders(`/small?size=${random.int(0, 40_000)}`, AUTHORITY)), { maxFrameSize: random.int(8, 64) })));
        break;
      case 1: // an upload in a few DATA frames
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders('/echo', AUTHORITY, { method: 'POST' })), { endStream: false })));
        for (let d = random.int(1, 4); d > 0; d--) frames.push(dataFrame(id, Buffer.alloc(random.int(0, 3000), id), d === 1));
        break;
      case 2: // a download cancelled at once (a seek)
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders('/video?size=2000000', AUTHORITY)))), rstFrame(id));
        break;
      case 3: // a download with window updates
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders('/video?size=200000', AUTHORITY)))));
        frames.push(windowUpdateFrame(id, random.int(1, 1 << 20)), windowUpdateFrame(0, random.int(1, 1 << 20)));
        break;
    }
    if (random.next() < 0.3) frames.push(pingFrame(random.int(0, 1e9)));
    if (random.next() < 0.2) frames.push(settingsFrame([[SettingId.INITIAL_WINDOW_SIZE, random.int(0, 1 << 20)]]));
    if (random.next() < 0.1) frames.push(frame(FrameType.PRIORITY, 0, id, Buffer.from([0, 0, 0, 0, random.int(0, 255)])));
  }
  if (random.next() < 0.1) frames.push(goawayFrame(0, 0));
  return frames;
}

function splitFrames(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length;) {
    const end = at + FRAME_HEADER_LENGTH + readFrameHeader(bytes, at).length;
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out;
}

const MUTATIONS: Array<[string, (frames: Buffer[], random: SeededRandom) => void]> = [
  ['flip a bit', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    b[r.int(0, b.length - 1)] ^= 1 << r.int(0, 7);
    f[i] = b;
  }],
  ['change a length', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    b.writeUIntBE(r.next() < 0.5 ? r.int(0, 0xffffff) : Math.max(0, b.readUIntBE(0, 3) + r.int(-3, 3)), 0, 3);
    f[i] = b;
  }],
  ['change a type', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    b[3] = r.int(0, 12);
    f[i] = b;
  }],
  ['change flags', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    b[4] = r.next() < 0.5 ? r.int(0, 255) : b[4]! ^ [FrameFlag.END_STREAM, FrameFlag.END_HEADERS, FrameFlag.PADDED, FrameFlag.PRIORITY][r.int(0, 3)]!;
    f[i] = b;
  }],
  ['change a stream id', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    b.writeUInt32BE(r.next() < 0.5 ? r.int(0, 9) : r.int(0, 0xffffffff) >>> 0, 5);
    f[i] = b;
  }],
  ['cut a frame short', (f, r) => {
    const i = r.int(0, f.length - 1);
    f[i] = f[i]!.subarray(0, r.int(0, f[i]!.length - 1));
  }],
  ['duplicate a frame', (f, r) => {
    const i = r.int(0, f.length - 1);
    f.splice(i, 0, f[i]!);
  }],
  ['swap two frames', (f, r) => {
    const i = r.int(0, f.length - 1);
    const j = r.int(0, f.length - 1);
    [f[i], f[j]] = [f[j]!, f[i]!];
  }],
  ['insert a random frame', (f, r) => {
    const payload = Buffer.alloc(r.int(0, 64));
    for (let k = 0; k < payload.length; k++) payload[k] = r.int(0, 255);
    f.splice(r.int(0, f.length), 0, frame(r.int(0, 12), r.int(0, 255), r.int(0, 7), payload));
  }],
  ['drop a frame', (f, r) => {
    f.splice(r.int(0, f.length - 1), 1);
  }],
];

it(`${CASES} fuzzed connections (seed ${SEED}): the proxy answers a good request after each`, async () => {
  const random = new SeededRandom(SEED, 'frame-fuzzer');
  const honest = await rig.client();
  const h2cPort = rig.proxy.h2cAddress!.port;
  const outcomes = new Map<string, number>();
  const started = performance.now();
  for (let n = 0; n < CASES; n++) {
    const caseRandom = random.fork(`case-${n}`);
    const frames = validTraffic(caseRandom);
    const applied: string[] = [];
    for (let m = caseRandom.int(1, 3); m > 0 && frames.length > 0; m--) {
      const [name, mutate] = MUTATIONS[caseRandom.int(0, MUTATIONS.length - 1)]!;
      mutate(frames, caseRandom);
      applied.push(name);
    }
    // A quarter over TLS (the real front), the rest over h2c: the same frame path, cheaper to set up.
    const useTls = n % 4 === 0;
    const c = await connectRaw({ port: useTls ? rig.port : h2cPort, tls: useTls });
    // A PING with the case number at the end: its ACK means the proxy has read everything before it.
    await c.send(Buffer.concat([...frames, pingFrame(0x5a000000 + n)]));
    const acked = () => c.frames.some((f) => f.type === FrameType.PING && f.flags & FrameFlag.ACK && f.payload.readUInt32BE(4) === 0x5a000000 + n);
    // No answer is legitimate too: a longer length field leaves the proxy waiting for the rest of a frame.
    await c.waitFor(() => acked() || c.isClosed, 300);
    const outcome = c.goaway ? `GOAWAY ${errorCodeName(c.goaway.errorCode)}` : c.isClosed ? 'closed' : acked() ? 'served' : 'waiting for more bytes';
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    c.close();
    await expect(checkedGet(honest, 1 + (n % 7) * 3000), `after case ${n} (seed ${SEED}: ${applied.join(', ')})`).resolves.toBe(200);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`frame fuzzer: ${CASES} cases in ${seconds.toFixed(1)} s, outcomes`, Object.fromEntries(outcomes));
  // Every stream the fuzzed connections opened upstream was ended (the honest connection is idle).
  await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(0);
  await expect.poll(() => rig.connections.size, { timeout: 5000 }).toBe(1);
  // The fuzzer must reach past the frame checks: some cases are served, some fail each way.
  expect(outcomes.get('served') ?? 0).toBeGreaterThan(CASES / 10);
  expect([...outcomes.keys()].filter((o) => o.startsWith('GOAWAY')).length).toBeGreaterThanOrEqual(2);
});
