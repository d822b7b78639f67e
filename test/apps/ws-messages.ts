/**
 * Waiting on a `ws` WebSocket in tests, whatever carries it (an HTTP/1.1 Upgrade or an HTTP/2
 * extended CONNECT stream): its next message, its close, a timed echo round trip.
 */
import { expect } from 'vitest';
import type { WebSocket } from 'ws';

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
