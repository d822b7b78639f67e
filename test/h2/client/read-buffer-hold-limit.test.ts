/**
 * ReadBuffers' hold limit (`maxHeld`): once that many read buffers are held, a view kept from
 * another one is a copy, so a stalled reader pins no more buffers than that; a buffer already held
 * may be held more, and once a held buffer is let go, views are held again. A raw peer writes each
 * chunk only after the socket read the one before, so each is a read of its own.
 */
import * as net from 'node:net';
import { once } from 'node:events';
import { afterEach, expect, it } from 'vitest';
import { ReadBuffers, keepRead, releaseRead } from '../../../h2/frame/read-buffers.js';
import { randomBody } from '../../helpers/bytes.js';
import { waitFor } from '../../helpers/wait.js';

let server: net.Server | undefined;
let socket: net.Socket | undefined;

afterEach(async () => {
  socket?.destroy();
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = socket = undefined;
});

it('past maxHeld held buffers a kept view is a copy; after a release, views are held again', async () => {
  const buffers = new ReadBuffers(64, 1);
  let peer: net.Socket | undefined;
  server = net.createServer((s) => (peer = s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const reads = buffers.forSocket();
  socket = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, onread: reads.onread });
  reads.attach(socket);
  /** Per read: the view given, and what keepRead made of it. */
  const seen: Array<{ view: Buffer; kept: Buffer; again: Buffer }> = [];
  socket.on('data', (view: Buffer) => seen.push({ view, kept: keepRead(view), again: keepRead(view.subarray(0, 4096)) }));
  await waitFor('the peer connected', () => peer !== undefined);

  const chunks = [randomBody(8192, 1), randomBody(8192, 2), randomBody(8192, 3)];
  const readOne = async (i: number) => {
    peer!.write(chunks[i]!);
    await waitFor(`read ${i}`, () => seen.length === i + 1 && seen[i]!.view.length === chunks[i]!.length);
  };
  await readOne(0);
  await readOne(1);
  const [first, second] = seen as [(typeof seen)[0], (typeof seen)[0]];
  // The first read's buffer is held (twice: its view and a part of it) and the socket moved on.
  expect(first.kept).toBe(first.view);
  expect(first.again.buffer).toBe(first.view.buffer);
  expect(buffers.held).toBe(1);
  // At the limit: the second read's views are copies, its buffer not held.
  expect(second.kept).not.toBe(second.view);
  expect(second.kept.buffer).not.toBe(second.view.buffer);
  expect(second.kept.equals(chunks[1]!)).toBe(true);
  expect(second.again.buffer).not.toBe(second.view.buffer);

  releaseRead(first.kept);
  expect(buffers.held).toBe(1);
  releaseRead(first.again);
  expect(buffers.held).toBe(0);
  // The copies were never holds: letting them go changes nothing.
  releaseRead(second.kept);
  releaseRead(second.again);
  expect(buffers.held).toBe(0);

  await readOne(2);
  const third = seen[2]!;
  expect(third.kept).toBe(third.view);
  expect(third.kept.equals(chunks[2]!)).toBe(true);
  // The second read's buffer, held by nothing, was read into again: its copy still says what was sent.
  expect(third.view.buffer).toBe(second.view.buffer);
  expect(second.kept.equals(chunks[1]!)).toBe(true);
  releaseRead(third.kept);
  releaseRead(third.again);
  expect(buffers.held).toBe(0);
});
