/**
 * A DownstreamBridge's end is told to its exchange on the tick after it (downstream-bridge.ts,
 * tellEndedBridges), the bridges that ended in one flush told together. Every one of them is told
 * even when an exchange's end throws (a stream-end listener's error, say): the others' exchanges
 * still end, as they did when each bridge had a tick of its own.
 */
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveSocket } from '../../h2/server.js';
import { DownstreamBridge } from '../../proxy/downstream-bridge.js';
import { collect, connectH2, request } from '../helpers/h2-client.js';
import { waitFor } from '../helpers/wait.js';

const STREAMS = 3;
let server: net.Server;
let url: string;
/** Streams made so far, answered together once STREAMS are in (so they end together, told in one batch). */
const waiting: DownstreamBridge[] = [];
/** Stream ids whose exchange heard the end, in the order told. */
const told: number[] = [];

beforeAll(async () => {
  server = net.createServer((socket) => {
    serveSocket(socket, {
      onStream: (stream, head) => {
        const bridge = new DownstreamBridge(stream, head);
        bridge.exchange = {
          exchangeClosed: () => {
            told.push(bridge.id);
            if (told.length === 1) throw new Error('the first exchange told fails in its end');
          },
        };
        waiting.push(bridge);
        // Answered after onStream returned (the engine gives the stream its handler then), all in one go.
        if (waiting.length === STREAMS) queueMicrotask(() => {
          for (const b of waiting.splice(0)) b.respond({ ':status': 200 }, true);
        });
        return bridge;
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('an exchange whose end throws does not keep the bridges that ended with it from being told', async () => {
  // The throw escapes the tick that tells the bridges: caught here, not by the test runner.
  const runnerHandlers = process.listeners('uncaughtException');
  const thrown: Error[] = [];
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', (err) => thrown.push(err));
  let session: http2.ClientHttp2Session | undefined;
  try {
    session = await connectH2(url);
    const responses = await Promise.all(Array.from({ length: STREAMS }, () => collect(request(session!, '/'))));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    await waitFor('every bridge told of its end', () => told.length === STREAMS).catch((err: Error) => {
      throw new Error(`${err.message}: told ${JSON.stringify(told)}, thrown ${thrown.length}`);
    });
    expect(told.slice().sort((a, b) => a - b)).toEqual([1, 3, 5]);
    expect(thrown.map((e) => e.message)).toEqual(['the first exchange told fails in its end']);
  } finally {
    session?.destroy();
    process.removeAllListeners('uncaughtException');
    for (const handler of runnerHandlers) process.on('uncaughtException', handler);
  }
});
