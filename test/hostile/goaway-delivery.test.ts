/**
 * h2race's own error GOAWAY reaches a client that keeps writing (issue 19): the connection is
 * ended with a lingering close (half-close, read and discard, then close), so the kernel never
 * answers the client's unread bytes with a TCP reset that would throw away the GOAWAY.
 *
 * Each run is one raw client, its shape drawn from a seeded random stream: rapid-reset pairs in
 * batches of random size, or an upload whose DATA frame over SETTINGS_MAX_FRAME_SIZE comes after
 * a random number of good ones. The client writes on without reading, up to a bound, and reads
 * only then (a simple client that sends its whole request before it reads; a busy machine's
 * client is the same, late): a server that closes at once resets its unread bytes, and the reset
 * throws away the GOAWAY waiting in the client's receive queue. Runs go in
 * concurrent batches (several floods at once load the machine, as the issue's loaded runs did).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, FrameType, errorCodeName } from '../../h2/frame/constants.js';
import { Writable } from 'node:stream';
import { SeededRandom } from '../../faults/random.js';
import { H2raceMetrics } from '../../api/metrics.js';
import type { GoawayRecord } from '../../proxy/events.js';
import { createLogger } from '../../proxy/log.js';
import { collect, request } from '../helpers/h2-client.js';
import { connectRaw, dataFrame, encodeHeaderBlock, frame, headersFrame, requestHeaders, rstFrame, type RawH2 } from '../helpers/raw-h2.js';
import { startRig, type Rig } from './rig.js';

const RUNS = 50;
/** Runs at once: several floods in parallel, the loaded machine of the issue. */
const CONCURRENT = 5;
/**
 * What a client writes in all, without reading, before it reads what came back: under the
 * proxy's default linger bound (1 MiB), which is what a lingering close promises to read.
 */
const MAX_WRITE_BYTES = 512 << 10;

type Shape = 'rapid-reset' | 'upload';

interface RunResult {
  seed: number;
  shape: Shape;
  /** What the client read: the first GOAWAY's code and last-stream-id, or undefined. */
  received: { code: string; lastStreamId: number } | undefined;
  /** Whether h2race's record of the GOAWAYs it sent has the one the client read. */
  sentByH2race: boolean;
  /** Socket errors the client saw (ECONNRESET: the kernel reset the connection). */
  errors: string[];
}

/** Writes `next()` until the socket's writing side is gone or `MAX_WRITE_BYTES` are out. */
async function writeOn(c: RawH2, next: () => Buffer, written = 0): Promise<void> {
  while (c.writable && written < MAX_WRITE_BYTES) {
    const bytes = next();
    written += bytes.length;
    await c.send(bytes);
  }
}

describe.each([true, false])('tls %s', (tls) => {
  let rig: Rig;
  let port: number;
  /** h2race's own record of the error GOAWAYs it sent. */
  const sentGoaways: GoawayRecord[] = [];
  /** The stream log's 'connection end' lines. */
  const endLines: Array<{ side: string; reason: string }> = [];
  const metrics = new H2raceMetrics();
  /** /metrics' count of client connections h2race ended for `reason`. */
  async function endedCount(reason: string): Promise<number> {
    const { body } = await metrics.render();
    const line = body.split('\n').find((l) => l.startsWith(`h2race_connections_ended_total{proxy="p",side="downstream",reason="${reason}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }
  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const text of chunk.toString().split('\n').filter(Boolean)) {
          const line = JSON.parse(text) as { msg: string; side: string; reason: string };
          if (line.msg === 'connection end') endLines.push(line);
        }
        cb();
      },
    });
    rig = await startRig({ proxy: { h2cListen: '127.0.0.1:0' }, logger: createLogger({ level: 'info', destination }) });
    metrics.observeProxy(rig.events, { proxy: 'p' });
    port = tls ? rig.port : rig.proxy.h2cAddress!.port;
    rig.events.on('goaway', (g) => {
      if (!g.received && g.code !== ErrorCode.NO_ERROR) sentGoaways.push(g);
    });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const scheme = tls ? 'https' : 'http';
  const GET = encodeHeaderBlock(requestHeaders('/small?size=100', '127.0.0.1', { scheme }));
  const POST = encodeHeaderBlock(requestHeaders('/echo', '127.0.0.1', { method: 'POST', scheme }));

  async function run(seed: number, shape: Shape): Promise<RunResult> {
    const rng = new SeededRandom(seed);
    const draw = (min: number, max: number): number => rng.int(min, max);
    const c = await connectRaw({ port, tls });
    const errors: string[] = [];
    c.socket.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message));
    // Nothing is read while the client writes.
    c.socket.pause();
    let id = 1;
    if (shape === 'rapid-reset') {
      // HEADERS + RST_STREAM pairs in batches of random size, as fast as the socket takes them.
      await writeOn(c, () => {
        const pairs = draw(10, 80);
        const out: Buffer[] = [];
        for (let i = 0; i < pairs; i++, id += 2) out.push(headersFrame(id, GET), rstFrame(id));
        return Buffer.concat(out);
      });
    } else {
      // An upload of good 16 KiB DATA frames (within the first windows), then one over the frame
      // size limit, then more DATA as a client that does not read would keep sending.
      const good = draw(0, 3);
      const head = [headersFrame(1, POST, { endStream: false })];
      for (let i = 0; i < good; i++) head.push(dataFrame(1, Buffer.alloc(16_384, i)));
      head.push(frame(FrameType.DATA, 0, 1, Buffer.alloc(16_385 + draw(0, 4096), 0x61)));
      const start = Buffer.concat(head);
      await c.send(start);
      await writeOn(c, () => dataFrame(1, Buffer.alloc(16_384, 0x62)), start.length);
    }
    c.socket.resume();
    await c.waitForClose(10_000);
    c.close();
    const goaway = c.goaway;
    return {
      seed,
      shape,
      received: goaway && { code: errorCodeName(goaway.errorCode), lastStreamId: goaway.lastStreamId },
      sentByH2race: goaway !== undefined && sentGoaways.some((g) => g.code === goaway.errorCode && g.lastStreamId === goaway.lastStreamId),
      errors,
    };
  }

  async function runAll(shape: Shape, firstSeed: number): Promise<RunResult[]> {
    const results: RunResult[] = [];
    for (let at = 0; at < RUNS; at += CONCURRENT) {
      const batch = Array.from({ length: Math.min(CONCURRENT, RUNS - at) }, (_, i) => run(firstSeed + at + i, shape));
      results.push(...(await Promise.all(batch)));
    }
    const lost = results.filter((r) => r.received === undefined);
    console.log(`${tls ? 'TLS' : 'h2c'} ${shape}: GOAWAY received in ${RUNS - lost.length} of ${RUNS} runs` +
      (lost.length ? ` (lost: seeds ${lost.map((r) => `${r.seed} [${r.errors.join(',') || 'no error'}]`).join(' ')})` : ''));
    return results;
  }

  it(`rapid reset: GOAWAY(ENHANCE_YOUR_CALM) with h2race's last-stream-id in all ${RUNS} runs; ended for flood in /metrics and the log`, async () => {
    const before = await endedCount('flood');
    const logged = endLines.length;
    for (const r of await runAll('rapid-reset', 1000)) {
      expect(r.received?.code, `seed ${r.seed}`).toBe('ENHANCE_YOUR_CALM');
      expect(r.sentByH2race, `seed ${r.seed}: the last-stream-id h2race sent`).toBe(true);
      expect(r.errors, `seed ${r.seed}`).not.toContain('ECONNRESET');
    }
    expect((await endedCount('flood')) - before).toBe(RUNS);
    expect(endLines.slice(logged)).toEqual(Array.from({ length: RUNS }, () => expect.objectContaining({ side: 'downstream', reason: 'flood' })));
  }, 120_000);

  it(`upload over the frame size: GOAWAY(FRAME_SIZE_ERROR) with h2race's last-stream-id in all ${RUNS} runs; ended for protocol-error`, async () => {
    const before = await endedCount('protocol-error');
    for (const r of await runAll('upload', 2000)) {
      // Stream 1 was handed on (last-stream-id 1) unless the bad frame came in the same read as its HEADERS.
      expect(r.received?.code, `seed ${r.seed}`).toBe('FRAME_SIZE_ERROR');
      expect(r.received?.lastStreamId, `seed ${r.seed}`).toBeLessThanOrEqual(1);
      expect(r.sentByH2race, `seed ${r.seed}`).toBe(true);
      expect(r.errors, `seed ${r.seed}`).not.toContain('ECONNRESET');
    }
    expect((await endedCount('protocol-error')) - before).toBe(RUNS);
  }, 120_000);
});

describe('graceful ends counted', () => {
  it('an idle upstream session ends for idle; at close the client connection and the upstream session end for shutdown', async () => {
    const rig = await startRig({ proxy: { upstream: { idleTimeoutMs: 100 } } });
    const metrics = new H2raceMetrics();
    metrics.observeProxy(rig.events, { proxy: 'p' });
    const ended = async (side: string, reason: string): Promise<number> => {
      const { body } = await metrics.render();
      const line = body.split('\n').find((l) => l.startsWith(`h2race_connections_ended_total{proxy="p",side="${side}",reason="${reason}"}`));
      return line ? Number(line.split(' ').pop()) : 0;
    };
    try {
      const session = await rig.client();
      expect((await collect(request(session, '/small?size=100'))).status).toBe(200);
      // Its only upstream session idles out; the next request opens another one, busy at the close
      // (a paced download of about 0.25 s, within the rig's shutdown deadline).
      await expect.poll(() => ended('upstream', 'idle'), { timeout: 10_000 }).toBe(1);
      const download = collect(request(session, '/video?size=65536&rate=262144'));
      await expect.poll(() => rig.originActive, { timeout: 10_000 }).toBe(1);
      const goaway = new Promise<number>((resolve) => session.once('goaway', (code) => resolve(code)));
      await rig.h2race.close();
      expect(await goaway).toBe(ErrorCode.NO_ERROR);
      expect((await download).body.length).toBe(65536);
      expect(await ended('downstream', 'shutdown')).toBe(1);
      expect(await ended('upstream', 'shutdown')).toBe(1);
      expect(await ended('downstream', 'flood')).toBe(0);
    } finally {
      await rig.close();
    }
  });
});
