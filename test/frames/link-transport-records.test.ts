/**
 * LinkTransport reuses a frame's record once the link is done with it: what it tells the ledger
 * and pendingFrames() must be the frame's own every time a record is reused, and a frame dropped
 * by the link's destroy must be dropped for its own stream, not for the frame its record held before.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameFlag, FrameType } from '../../h2/frame/constants.js';
import type { StreamDelivery } from '../../proxy/connection-wrapper.js';
import { LinkTransport } from '../../proxy/frame-path/link-transport.js';
import { StreamWriteLedger } from '../../proxy/frame-path/stream-write-ledger.js';
import { createLink } from '../../faults/link/link.js';
import { SeededRandom } from '../../faults/random.js';

interface Rig {
  transport: LinkTransport;
  ledger: StreamWriteLedger;
  /** The bytes the peer received. */
  received: Buffer[];
  /** Stream ids in the order their frames left the transport. */
  left: number[];
  peer: net.Socket;
  close(): void;
}

let rig: Rig | undefined;

afterEach(() => {
  rig?.close();
  rig = undefined;
});

async function setUp(): Promise<Rig> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const accepted = once(server, 'connection') as Promise<[net.Socket]>;
  const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const [peer] = await accepted;
  const received: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => received.push(chunk));
  const link = createLink({
    direction: 'downstream',
    sink: (data, cb) => socket.write(data, cb),
    control: { end: () => socket.end(), reset: () => socket.destroy() },
    random: new SeededRandom(1, 'link-transport-records'),
    toxics: [],
  });
  const ledger = new StreamWriteLedger();
  const left: number[] = [];
  const transport = new LinkTransport(socket, link, ledger, (streamId) => left.push(streamId));
  return {
    transport,
    ledger,
    received,
    left,
    peer,
    close: () => {
      socket.destroy();
      peer.destroy();
      server.close();
    },
  };
}

function frame(type: number, flags: number, streamId: number, payloadLength: number): Buffer {
  const bytes = Buffer.alloc(9 + payloadLength, streamId);
  bytes.writeUIntBE(payloadLength, 0, 3);
  bytes[3] = type;
  bytes[4] = flags;
  bytes.writeUInt32BE(streamId, 5);
  return bytes;
}

/** Writes `bytes` and resolves with the error its done got (undefined: written). */
function write(transport: LinkTransport, bytes: Buffer): Promise<Error | undefined> {
  return new Promise((resolve) => transport.write(bytes, (err) => resolve(err ?? undefined)));
}

function delivery(ledger: StreamWriteLedger, streamId: number): Promise<StreamDelivery> {
  return new Promise((resolve) => ledger.whenSettled(streamId, { delivered: resolve }));
}

describe('LinkTransport frame records', () => {
  it('a reused record reports its own frame: pendingFrames, the ledger and the bytes on the wire', async () => {
    rig = await setUp();
    const { transport, ledger } = rig;
    ledger.open(1);
    ledger.open(3);
    const first = [
      frame(FrameType.HEADERS, FrameFlag.END_HEADERS, 1, 10),
      frame(FrameType.DATA, 0, 1, 100),
      frame(FrameType.DATA, FrameFlag.END_STREAM, 3, 50),
    ];
    const firstDone = first.map((bytes) => write(transport, bytes));
    expect([transport.pendingFrames(1), transport.pendingFrames(3)]).toEqual([2, 1]);
    expect(await Promise.all(firstDone)).toEqual([undefined, undefined, undefined]);
    expect([transport.pendingFrames(1), transport.pendingFrames(3), transport.pendingBytes]).toEqual([0, 0, 0]);
    expect(await delivery(ledger, 1)).toMatchObject({ bodyBytes: 100, endWritten: false });
    expect(await delivery(ledger, 3)).toMatchObject({ bodyBytes: 50, endWritten: true });

    // The records of the first three frames serve these.
    ledger.open(5);
    ledger.open(7);
    const second = [
      frame(FrameType.DATA, FrameFlag.END_STREAM, 5, 70),
      frame(FrameType.HEADERS, FrameFlag.END_HEADERS | FrameFlag.END_STREAM, 7, 20),
      frame(FrameType.DATA, 0, 5, 0),
    ];
    const secondDone = second.map((bytes) => write(transport, bytes));
    expect([transport.pendingFrames(1), transport.pendingFrames(3), transport.pendingFrames(5), transport.pendingFrames(7)]).toEqual([0, 0, 2, 1]);
    await Promise.all(secondDone);
    expect(await delivery(ledger, 5)).toMatchObject({ bodyBytes: 70, endWritten: true });
    expect(await delivery(ledger, 7)).toMatchObject({ bodyBytes: 0, endWritten: true });
    expect(rig.left).toEqual([1, 1, 3, 5, 7, 5]);

    const sent = Buffer.concat([...first, ...second]);
    while (Buffer.concat(rig.received).length < sent.length) await once(rig.peer, 'data');
    expect(Buffer.concat(rig.received).equals(sent)).toBe(true);
  });

  it('reads each stream id whole, every octet of it, with the reserved bit left out', async () => {
    rig = await setUp();
    const { transport, ledger } = rig;
    const ids = [0x7fffffff, 0x01020305, 0x00800001, 0x00008001, 0x00000081];
    for (const id of ids) ledger.open(id);
    const frames = ids.map((id) => frame(FrameType.DATA, FrameFlag.END_STREAM, id, 3));
    // The reserved bit set on the first: the stream is still 0x7fffffff (RFC 9113 §4.1).
    frames[0]![5]! |= 0x80;
    const done = frames.map((bytes) => write(transport, bytes));
    expect(ids.map((id) => transport.pendingFrames(id))).toEqual([1, 1, 1, 1, 1]);
    await Promise.all(done);
    expect(rig.left).toEqual(ids);
    for (const id of ids) expect(await delivery(ledger, id)).toMatchObject({ bodyBytes: 3, endWritten: true });
  });

  it('frames the link drops at its destroy are dropped for their own streams, each done once, in order', async () => {
    rig = await setUp();
    const { transport, ledger } = rig;
    ledger.open(1);
    await write(transport, frame(FrameType.DATA, 0, 1, 30));
    await delivery(ledger, 1);
    ledger.open(9);
    ledger.open(11);
    const errors: Array<string | undefined> = [];
    const dropped = [frame(FrameType.DATA, 0, 9, 40), frame(FrameType.DATA, FrameFlag.END_STREAM, 11, 60), frame(FrameType.DATA, FrameFlag.END_STREAM, 9, 5)];
    // Destroyed while the link's first chunk still waits for the socket: every frame fails.
    for (const bytes of dropped) transport.write(bytes, (err) => errors.push(err?.message));
    transport.destroy(new Error('gone'));
    expect(errors).toEqual(['gone', 'gone', 'gone']);
    expect([transport.pendingFrames(9), transport.pendingFrames(11), transport.pendingBytes]).toEqual([0, 0, 0]);
    expect(await delivery(ledger, 9)).toMatchObject({ bodyBytes: 0, endWritten: false });
    expect(await delivery(ledger, 11)).toMatchObject({ bodyBytes: 0, endWritten: false });
    expect(rig.left).toEqual([1, 9, 11, 9]);
  });
});
