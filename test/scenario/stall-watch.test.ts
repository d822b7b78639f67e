/**
 * A stream our client paused waits on us, not on the server: the stall watch leaves it alone while
 * it is paused, and once it resumes the silence counts again — from the resume, not from the last
 * byte before the pause. A node:http2 origin writes one piece of body and holds the stream open.
 */
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RunRecorder } from '../../scenario/recorder.js';
import { StallWatch } from '../../scenario/stall-watch.js';
import type { StreamRecord } from '../../scenario/types.js';

const STALL_AFTER_MS = 200;
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const end of cleanup.splice(0)) end();
});

/** An h2c origin that answers, writes 1000 bytes and then sends nothing more. */
async function writesOnceAndHolds(): Promise<string> {
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.write(Buffer.alloc(1000, 0x61));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const nextTurn = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('the stall watch and a stream our client paused', () => {
  it('a paused stream is not a stall; resumed and then silent, it is one, counted from the resume', async () => {
    const session = http2.connect(await writesOnceAndHolds());
    cleanup.push(() => session.destroy());
    const recorder = new RunRecorder();
    const ping = (): Promise<number | undefined> => new Promise((resolve) => session.ping((err, ms) => resolve(err ? undefined : ms)));
    const watch = new StallWatch(recorder, STALL_AFTER_MS, ping);
    cleanup.push(() => watch.stop());

    const stream = session.request({ ':path': '/video' });
    const record: StreamRecord = { seq: 1, viewer: 1, connection: 1, kind: 'video', path: '/video', startMs: recorder.now(), bytes: 0, wireBytes: 0, cancelledByUs: false, corruptBytes: 0 };
    watch.watch(stream, record);
    stream.once('response', (headers) => (record.status = Number(headers[':status'])));
    // Paused the moment its first bytes come, as the player pauses once its buffer holds its target.
    await new Promise<void>((resolve) => stream.once('data', () => (stream.pause(), resolve())));

    // Paused for several stall periods, each checked: the wait is ours, not the server's.
    await nextTurn(STALL_AFTER_MS * 3);
    expect(record.stall).toBeUndefined();

    const resumedMs = recorder.now();
    stream.resume();
    // The server sends nothing more: the watch must find it (the test's timeout bounds the wait).
    while (record.stall === undefined) await nextTurn(STALL_AFTER_MS / 4);
    expect(record.stall.sinceMs).toBeGreaterThanOrEqual(resumedMs);
  });
});
