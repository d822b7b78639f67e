/**
 * Waiting on a `ws` WebSocket in tests, whatever carries it (an HTTP/1.1 Upgrade or an HTTP/2
 * extended CONNECT stream): its next message, its close, a timed echo round trip.
 */
import { expect } from 'vitest';
import type { WebSocket } from 'ws';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { waitFor } from '../helpers/wait.js';

export function nextMessage(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new Error('closed before a message'));
    ws.once('close', onClose);
    ws.once('message', (data: Buffer, isBinary: boolean) => {
      ws.off('close', onClose);
      resolve({ data, isBinary });
    });
  });
}

export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Sends `text`, expects it echoed; the milliseconds it took. */
export async function roundTrip(ws: WebSocket, text: string): Promise<number> {
  const started = performance.now();
  const reply = nextMessage(ws);
  ws.send(text);
  expect((await reply).data.toString()).toBe(text);
  return performance.now() - started;
}

/** Sends `payload` as one binary message; expects it back whole, binary, byte-exact. */
export async function echoedByteExact(ws: WebSocket, payload: Buffer): Promise<void> {
  const reply = nextMessage(ws);
  ws.send(payload);
  const { data, isBinary } = await reply;
  expect(isBinary).toBe(true);
  expect(data.length).toBe(payload.length);
  expect(sha256(data)).toBe(sha256(payload));
}

/**
 * Against ./ws-origin.ts: a text and a 70 000-byte binary message echoed with their types, a ping
 * each way (the origin confirms its pong), then the origin closes with 4001 and its reason.
 */
export async function exchangeAll(ws: WebSocket): Promise<void> {
  const text = nextMessage(ws);
  ws.send('héllo');
  expect(await text).toEqual({ data: Buffer.from('héllo'), isBinary: false });
  await echoedByteExact(ws, patternBytes(1, 70_000));

  const pong = new Promise<Buffer>((resolve) => ws.once('pong', resolve));
  ws.ping('from-client');
  expect((await pong).toString()).toBe('from-client');
  const fromOrigin = new Promise<Buffer>((resolve) => ws.once('ping', resolve));
  const confirmed = nextMessage(ws);
  ws.send('ping from-origin');
  expect((await fromOrigin).toString()).toBe('from-origin');
  expect((await confirmed).data.toString()).toBe('pong from-origin');

  const byOrigin = closed(ws);
  ws.send('close 4001 origin says bye');
  expect(await byOrigin).toEqual({ code: 4001, reason: 'origin says bye' });
}

/**
 * After exchangeAll on a first tunnel: the client closes `second` with 4002 and its reason, and
 * the origin (./ws-origin.ts) has seen both closes, its own 4001 first.
 */
export async function clientClosesSecond(second: WebSocket, origin: { closes: { code: number; reason: string }[] }): Promise<void> {
  const byClient = closed(second);
  second.close(4002, 'client says bye');
  expect(await byClient).toEqual({ code: 4002, reason: 'client says bye' });
  await waitFor('the origin to see the client\'s close', () => origin.closes.length === 2);
  expect(origin.closes).toEqual([{ code: 4001, reason: 'origin says bye' }, { code: 4002, reason: 'client says bye' }]);
}
