/**
 * CPU per small request on the CLIENT side: h2race's engine in the client role next to
 * node:http2's client, in the same run, each sending N requests over one h2c connection to the
 * same node:http2 server (a child process of its own, so its CPU is not counted), `depth` of them
 * in flight. The figure is this process's utime+stime over the N requests divided by N. Rounds
 * interleave the two clients after a warm-up each; medians are reported.
 *
 *   npm run build && node dist/bench/engine-client-micro.js [rounds=5] [requests=100000] [depth=32]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { connectSocket } from '../h2/client.js';
import type { ClientConnection } from '../h2/proto/client-connection.js';
import { median } from './summary.js';

type Variant = 'engine' | 'node';
const VARIANTS: readonly Variant[] = ['engine', 'node'];
const BODY = Buffer.alloc(1024, 'x');
const WARMUP_REQUESTS = 5_000;

// ── the server process ──────────────────────────────────────────────────────────────────────

async function serve(): Promise<void> {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': '1024' });
    stream.end(BODY);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  process.on('disconnect', () => process.exit(0));
  process.send!({ port: (server.address() as net.AddressInfo).port });
}

// ── the clients ─────────────────────────────────────────────────────────────────────────────

interface Client {
  /** Sends `n` GETs, `depth` in flight; resolves when every response ended. */
  run(n: number, depth: number): Promise<void>;
  close(): void;
}

/** Runs `send` n times, `depth` at a time: each request that ends starts the next. */
function inFlight(n: number, depth: number, send: (ended: () => void, failed: (err: Error) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let started = 0;
    let ended = 0;
    const next = (): void => {
      started++;
      send(() => {
        if (++ended === n) resolve();
        else if (started < n) next();
      }, reject);
    };
    for (let i = 0; i < Math.min(depth, n); i++) next();
  });
}

async function engineClient(port: number): Promise<Client> {
  const socket = net.connect({ host: '127.0.0.1', port });
  let settingsCame!: () => void;
  const settings = new Promise<void>((resolve) => (settingsCame = resolve));
  const connection: ClientConnection = connectSocket(socket, { observer: { onSettings: () => settingsCame() } })!;
  await settings;
  const head = { method: 'GET', scheme: 'http', authority: `127.0.0.1:${port}`, path: '/' };
  return {
    run: (n, depth) =>
      inFlight(n, depth, (ended, failed) => {
        const stream = connection.request(
          head,
          {
            onResponse() {},
            onData: (chunk) => stream.consumed(chunk.length),
            onEnd: ended,
            onReset: (code, cause) => failed(new Error(`engine client: stream reset ${code} (${cause})`)),
          },
          { endStream: true },
        );
      }),
    close: () => socket.destroy(),
  };
}

async function nodeClient(port: number): Promise<Client> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  await once(session, 'remoteSettings');
  return {
    run: (n, depth) =>
      inFlight(n, depth, (ended, failed) => {
        const req = session.request({ ':path': '/' }, { endStream: true });
        req.on('data', () => {});
        req.on('error', failed);
        req.on('end', ended);
      }),
    close: () => session.destroy(),
  };
}

// ── the bench ───────────────────────────────────────────────────────────────────────────────

async function bench(rounds: number, requests: number, depth: number): Promise<void> {
  const server = fork(fileURLToPath(import.meta.url), ['serve'], { stdio: 'inherit' });
  const [message] = (await once(server, 'message')) as [{ port: number }];
  const results = new Map<Variant, Array<{ cpuPerRequest: number; reqPerSec: number }>>(VARIANTS.map((v) => [v, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const variant of VARIANTS) {
        const client = variant === 'engine' ? await engineClient(message.port) : await nodeClient(message.port);
        await client.run(WARMUP_REQUESTS, depth);
        const cpu = process.cpuUsage();
        const start = performance.now();
        await client.run(requests, depth);
        const used = process.cpuUsage(cpu);
        const seconds = (performance.now() - start) / 1000;
        client.close();
        const cpuPerRequest = (used.user + used.system) / requests;
        results.get(variant)!.push({ cpuPerRequest, reqPerSec: requests / seconds });
        console.log(`round ${round} ${variant.padEnd(6)} ${cpuPerRequest.toFixed(2)} µs CPU/request, ${(requests / seconds).toFixed(0)} req/s`);
      }
    }
  } finally {
    server.kill();
  }
  console.log(`\nmedians of ${rounds} rounds, ${requests} GETs (1 KiB responses) over one h2c connection, ${depth} in flight, client process CPU:`);
  for (const variant of VARIANTS) {
    const runs = results.get(variant)!;
    console.log(`  ${variant.padEnd(6)} ${median(runs.map((r) => r.cpuPerRequest)).toFixed(2)} µs CPU/request  ${median(runs.map((r) => r.reqPerSec)).toFixed(0)} req/s`);
  }
}

const [command, arg1, arg2] = process.argv.slice(2);
if (command === 'serve') {
  await serve();
} else {
  const rounds = Number(command ?? 5);
  const requests = Number(arg1 ?? 100_000);
  const depth = Number(arg2 ?? 32);
  if (!(rounds >= 1) || !(requests >= 1) || !(depth >= 1)) throw new Error(`usage: engine-client-micro.js [rounds] [requests] [depth], got ${command} ${arg1} ${arg2}`);
  await bench(rounds, requests, depth);
}
