/**
 * The stream log says what the client got: bytesOut counts the DATA frames the downstream link
 * wrote to the client's socket (not what the engine framed, nor what a shaped link still held), the
 * duration runs to the last of those writes, and rst_inject's cancels have their own outcome.
 * Each client here stops early in a way that leaves nothing in flight, so the counts are exact.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import { ToxicSet, type ToxicInput } from '../../faults/link/toxic-set.js';
import { H2raceMetrics } from '../../api/metrics.js';
import { createProxyEvents, type ProxyEvents, type StreamEndRecord } from '../../proxy/events.js';
import { startH2race, type RunningH2race } from '../../proxy/h2race.js';
import { createLogger } from '../../proxy/log.js';
import { connectRaw, encodeHeaderBlock, headersFrame, pingFrame, requestHeaders, rstFrame, windowUpdateFrame, type RawH2 } from '../helpers/raw-h2.js';
import { startTestOrigin, type TestOrigin } from '../helpers/origins.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';

const cleanups = cleanupsAfterEach();

interface Rig {
  origin: TestOrigin;
  h2race: RunningH2race;
  events: ProxyEvents;
  toxics: ToxicSet;
  ends: StreamEndRecord[];
  /** The proxy's log lines, parsed. */
  logLines: Array<Record<string, unknown>>;
}

async function setUp(toxics: readonly ToxicInput[] = []): Promise<Rig> {
  const origin = await startTestOrigin('h2');
  cleanups.push(() => origin.close());
  const { certPath, keyPath } = await testCert();
  const logLines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const set = new ToxicSet(toxics);
  const events = createProxyEvents();
  const h2race = await startH2race({
    events,
    listen: '127.0.0.1:0',
    origin: origin.url,
    cert: certPath,
    key: keyPath,
    upstream: { ca: certPath },
    shutdownTimeoutMs: 500,
    pool: { mode: 'retain' },
    toxics: set,
    logger: createLogger({ level: 'info', destination }),
  });
  cleanups.push(async () => {
    await h2race.close();
    expect(h2race.pool.stats().inUse).toBe(0);
  });
  const ends: StreamEndRecord[] = [];
  events.on('stream-end', (r) => ends.push(r));
  return { origin, h2race, events, toxics: set, ends, logLines };
}

/** A raw client whose stream window is `window` bytes (and the connection's as large). */
async function rawClient(rig: Rig, window: number): Promise<RawH2> {
  const raw = await connectRaw({ port: rig.h2race.proxy.address.port, settings: [[SettingId.INITIAL_WINDOW_SIZE, window]] });
  cleanups.push(() => raw.close());
  if (window > 65_535) await raw.send(windowUpdateFrame(0, window - 65_535));
  return raw;
}

async function get(raw: RawH2, rig: Rig, path: string): Promise<void> {
  const block = encodeHeaderBlock(requestHeaders(path, `127.0.0.1:${rig.h2race.proxy.address.port}`));
  await raw.send(headersFrame(1, block, { endStream: true, endHeaders: true }));
}

/** Resolves once everything the proxy wrote before now has arrived: a PING's ACK queues behind it. */
async function drained(raw: RawH2): Promise<void> {
  const acks = () => raw.framesOf(FrameType.PING).filter((f) => f.flags & FrameFlag.ACK).length;
  const before = acks();
  await raw.send(pingFrame(7));
  expect(await raw.waitFor(() => acks() > before, 10_000)).toBe(true);
}

/**
 * Resolves when the proxy's HTTP/2 stream (of the only connection) has closed in the engine: the
 * proxy then asks the connection's ledger to settle it. A spy that forwards, not a stand-in.
 */
function streamClosedAtSession(rig: Rig): Promise<void> {
  const { delivery } = [...rig.h2race.connections.values()][0]!;
  const whenSettled = delivery.whenSettled.bind(delivery);
  return new Promise((resolve) => {
    delivery.whenSettled = (streamId, done) => {
      whenSettled(streamId, done);
      resolve();
    };
  });
}

describe('the stream log counts what reached the client socket', () => {
  it('a client that stops reading at its flow-control window: bytesOut is exactly the window, not what the engine took', async () => {
    const rig = await setUp();
    const raw = await rawClient(rig, 40_000);
    await get(raw, rig, '/bytes?size=1048576');
    expect(await raw.waitFor(() => raw.dataBytes.get(1) === 40_000, 10_000)).toBe(true);
    // The origin handed the proxy far more than the client could take.
    await waitFor('the origin to have written ahead', () => (rig.origin.streams[0]?.written ?? 0) > 100_000);
    await raw.send(rstFrame(1, ErrorCode.CANCEL));
    await waitFor('the stream-end record', () => rig.ends.length === 1);
    expect(rig.ends[0]).toMatchObject({ path: '/bytes?size=1048576', status: 200, bytesOut: 40_000, outcome: 'cancelled-by-client', rstCode: ErrorCode.CANCEL });
    await drained(raw);
    expect(raw.dataBytes.get(1)).toBe(40_000);
  });

  it('a client that resets after N bytes while the link holds the rest: the frames the link writes after the reset count too', async () => {
    const rig = await setUp();
    // Exactly 40 000 bytes reach the client (its window), over a link with no toxic.
    const raw = await rawClient(rig, 40_000);
    await get(raw, rig, '/bytes?size=1048576');
    expect(await raw.waitFor(() => raw.dataBytes.get(1) === 40_000, 10_000)).toBe(true);
    const dataAt = performance.now();
    // The link stalls (rate 0); the client opens its window by 110 000 more: they queue in the link.
    const stall = rig.toxics.add({ type: 'bandwidth', stream: 'downstream', attributes: { rate: 0 } });
    await raw.send(windowUpdateFrame(0, 110_000));
    await raw.send(windowUpdateFrame(1, 110_000));
    await waitFor('more of the stream to queue in the stalled link', () => rig.h2race.queuedBytes().downstream >= 100_000);
    const path = [...rig.h2race.connections.values()][0]!;
    const resetSeen = once(path.events, 'reset');
    await raw.send(rstFrame(1, ErrorCode.CANCEL));
    await resetSeen;
    // The proxy let the stream go (its upstream stream is cancelled); the log waits for the link.
    await rig.origin.streams[0]!.closed;
    expect(rig.ends).toHaveLength(0);
    expect(raw.dataBytes.get(1)).toBe(40_000);
    const releasedAt = performance.now();
    rig.toxics.remove(stall.name);
    await waitFor('the stream-end record', () => rig.ends.length === 1);
    const end = rig.ends[0]!;
    expect(end.outcome).toBe('cancelled-by-client');
    // What the session had queued by the reset (up to the window) went out after it, and counts.
    expect(end.bytesOut).toBeGreaterThan(40_000);
    expect(end.bytesOut).toBeLessThanOrEqual(150_000);
    await drained(raw);
    expect(raw.dataBytes.get(1)).toBe(end.bytesOut);
    // The proxy's clock started before the client saw any DATA; the last write came after the release.
    expect(end.durationMs).toBeGreaterThan(releasedAt - dataAt);
  });

  it('a node:http2 download over a slow link: completed, all bytes, and the duration covers the link', async () => {
    const rig = await setUp([{ type: 'bandwidth', stream: 'downstream', attributes: { bits: 2_000_000 } }]);
    const { cert } = await testCert();
    const session = http2.connect(rig.h2race.proxy.url, { ca: cert });
    cleanups.push(() => session.destroy());
    const stream = session.request({ ':path': '/bytes?size=150000' });
    let received = 0;
    stream.on('data', (d: Buffer) => (received += d.length));
    await once(stream, 'end');
    expect(received).toBe(150_000);
    await waitFor('the stream-end record', () => rig.ends.length === 1);
    const end = rig.ends[0]!;
    expect(end).toMatchObject({ bytesOut: 150_000, outcome: 'completed' });
    // The engine framed all of it at once (the link queues 2 MiB); the link needed ≥ 600 ms.
    expect(end.durationMs).toBeGreaterThanOrEqual(0.95 * 600);
  });

  it('curl killed while the rest of a finished response waits in a stalled link: bytesOut is what curl got, and the response is not completed', async () => {
    const rig = await setUp();
    const firstPart = 70_000;
    const rest = 90_000;
    const held = new Promise<TestOrigin['held'][number]>((resolve) => (rig.origin.onHold = resolve));
    const curl = spawn('curl', ['-sk', '--http2', '-N', `${rig.h2race.proxy.url}/hold`], { stdio: ['ignore', 'pipe', 'ignore'] });
    const exited = once(curl, 'exit');
    cleanups.push(() => curl.kill('SIGKILL'));
    let got = 0;
    curl.stdout.on('data', (d: Buffer) => (got += d.length));
    const res = (await held).res as http2.Http2ServerResponse;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.write(Buffer.alloc(firstPart, 1));
    await waitFor('curl to have the first part', () => got === firstPart, 10_000);
    // Stall the client's link, then let the origin finish: the rest goes no further than the link.
    rig.toxics.add({ type: 'timeout', stream: 'downstream', attributes: { timeout: 0 } });
    const sessionDone = streamClosedAtSession(rig);
    res.end(Buffer.alloc(rest, 2));
    await sessionDone;
    expect(rig.h2race.queuedBytes().downstream).toBeGreaterThanOrEqual(rest);
    // The engine is done with the stream (its END_STREAM is in the link too); the log waits for the link.
    expect(rig.ends).toHaveLength(0);
    curl.kill('SIGKILL');
    await exited;
    await waitFor('the stream-end record', () => rig.ends.length === 1);
    expect(got).toBe(firstPart);
    expect(rig.ends[0]).toMatchObject({
      path: '/hold',
      bytesOut: firstPart,
      outcome: 'reset',
      error: 'the connection ended before the end of the response was written to it',
    });
    const line = rig.logLines.find((l) => l.msg === 'stream end');
    expect(line).toMatchObject({ bytesOut: firstPart, outcome: 'reset' });
  });
});

describe('injected cancels', () => {
  it('rst_inject cancels a stream mid-body: outcome injected-cancel in the log, the event and /metrics; bytesOut what the client got', async () => {
    const rig = await setUp([{ type: 'rst_inject', attributes: { path: '/bytes', after: 200 } }]);
    const metrics = new H2raceMetrics();
    cleanups.push(metrics.observeProxy(rig.events, { proxy: 'p' }));
    // The window keeps the response unfinished until the injected cancel.
    const raw = await rawClient(rig, 40_000);
    await get(raw, rig, '/bytes?size=1048576');
    expect(await raw.waitFor(() => raw.resets.has(1), 10_000)).toBe(true);
    expect(raw.resets.get(1)).toBe(ErrorCode.CANCEL);
    await waitFor('the stream-end record', () => rig.ends.length === 1);
    await drained(raw);
    const end = rig.ends[0]!;
    expect(end).toMatchObject({ outcome: 'injected-cancel', rstCode: ErrorCode.CANCEL, bytesOut: raw.dataBytes.get(1) });
    // All of the window, normally; never more, whatever the machine's pace up to the cancel.
    expect(end.bytesOut).toBeGreaterThan(0);
    expect(end.bytesOut).toBeLessThanOrEqual(40_000);
    expect(rig.logLines.find((l) => l.msg === 'stream end')).toMatchObject({ outcome: 'injected-cancel', bytesOut: end.bytesOut });
    const { body } = await metrics.render();
    expect(body).toContain('h2race_streams_total{proxy="p",outcome="injected-cancel"} 1');
    expect(body).toContain('h2race_stream_cancels_total{proxy="p",by="injected"} 1');
    expect(body).not.toContain('by="client"');
  });
});
