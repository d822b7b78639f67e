/**
 * The seeded frame fuzzer's material, shared by the proxy's and the engine's fuzz tests: one
 * case's valid client traffic frame by frame (requests, uploads, cancelled and window-updated
 * downloads, pings, settings, priorities), and the mutations applied to it.
 */
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import { readFrameHeader } from '../../h2/frame/codec.js';
import type { SeededRandom } from '../../faults/random.js';
import {
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
} from './raw-h2.js';

/** Where the server under test serves what the traffic asks for. */
export interface FuzzPaths {
  authority: string;
  /** A small response of about n bytes. */
  small(n: number): string;
  /** Echoes a POST body. */
  echo: string;
  /** A download of n bytes. */
  download(n: number): string;
}

/** One case's valid traffic, frame by frame (each entry one whole frame). */
function validTraffic(random: SeededRandom, paths: FuzzPaths): Buffer[] {
  const frames: Buffer[] = [];
  const streams = random.int(1, 6);
  for (let s = 0; s < streams; s++) {
    const id = 1 + 2 * s;
    switch (random.int(0, 3)) {
      case 0: // a small GET, maybe its header block split in CONTINUATIONs
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders(paths.small(random.int(0, 40_000)), paths.authority)), { maxFrameSize: random.int(8, 64) })));
        break;
      case 1: // an upload in a few DATA frames
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders(paths.echo, paths.authority, { method: 'POST' })), { endStream: false })));
        for (let d = random.int(1, 4); d > 0; d--) frames.push(dataFrame(id, Buffer.alloc(random.int(0, 3000), id), d === 1));
        break;
      case 2: // a download cancelled at once (a seek)
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders(paths.download(2_000_000), paths.authority)))), rstFrame(id));
        break;
      case 3: // a download with window updates
        frames.push(...splitFrames(headerBlockFrames(id, encodeHeaderBlock(requestHeaders(paths.download(200_000), paths.authority)))));
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
    const at = r.int(0, b.length - 1);
    b[at] = b[at]! ^ (1 << r.int(0, 7));
    f[i] = b;
  }],
  ['change a length', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    if (b.length < FRAME_HEADER_LENGTH) return; // a frame cut before by another mutation
    b.writeUIntBE(r.next() < 0.5 ? r.int(0, 0xffffff) : Math.max(0, b.readUIntBE(0, 3) + r.int(-3, 3)), 0, 3);
    f[i] = b;
  }],
  ['change a type', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    if (b.length < FRAME_HEADER_LENGTH) return; // a frame cut before by another mutation
    b[3] = r.int(0, 12);
    f[i] = b;
  }],
  ['change flags', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    if (b.length < FRAME_HEADER_LENGTH) return; // a frame cut before by another mutation
    b[4] = r.next() < 0.5 ? r.int(0, 255) : b[4]! ^ [FrameFlag.END_STREAM, FrameFlag.END_HEADERS, FrameFlag.PADDED, FrameFlag.PRIORITY][r.int(0, 3)]!;
    f[i] = b;
  }],
  ['change a stream id', (f, r) => {
    const i = r.int(0, f.length - 1);
    const b = Buffer.from(f[i]!);
    if (b.length < FRAME_HEADER_LENGTH) return; // a frame cut before by another mutation
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

/** One case: valid traffic with one to three seeded mutations, and their names (to replay it). */
export function fuzzCase(random: SeededRandom, paths: FuzzPaths): { frames: Buffer[]; applied: string[] } {
  const frames = validTraffic(random, paths);
  const applied: string[] = [];
  for (let m = random.int(1, 3); m > 0 && frames.length > 0; m--) {
    const [name, mutate] = MUTATIONS[random.int(0, MUTATIONS.length - 1)]!;
    mutate(frames, random);
    applied.push(name);
  }
  return { frames, applied };
}
