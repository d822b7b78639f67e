/**
 * CPU per small request: h2race's HTTP/2 engine as a TLS server next to a node:http2 server, in
 * the same run. Each server runs in a process of its own (this file with `serve engine|node`) and
 * answers every request with 1 KiB; h2load drives it (-n 200000 -c 4 -m 32 by default, bounded
 * by a deadline); the figure is the server process's utime+stime over the load divided by the
 * requests. Rounds interleave the two servers; the medians are reported.
 *
 *   npm run build && node dist/bench/engine-micro.js [rounds=3] [requests=200000]
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { generateSelfSigned } from '../proxy/certs.js';
import { serveSocket } from '../h2/server.js';

type Variant = 'engine' | 'node';
const VARIANTS: readonly Variant[] = ['engine', 'node'];
const BODY = Buffer.alloc(1024, 'x');
const H2LOAD_DEADLINE_MS = 180_000;

type ToChild = { op: 'begin' } | { op: 'end' };
/** Every message gets one reply: `begin` its start, `end` the CPU used since. */
type FromChild = { port: number } | { cpuMicros: number };

// ── the server process ──────────────────────────────────────────────────────────────────────

async function serve(variant: Variant): Promise<void> {
  const { cert, key } = await generateSelfSigned();
  let server: tls.Server;
  if (variant === 'engine') {
    server = tls.createServer({ cert, key, ALPNProtocols: ['h2'] }, (socket) => {
      serveSocket(socket, {
        onStream(stream) {
          return {
            onData: (chunk) => stream.consumed(chunk.length),
            onEnd() {
              stream.respond(200, ['content-type', 'application/octet-stream', 'content-length', '1024']);
              stream.write(BODY);
              stream.end();
            },
          };
        },
      });
    });
  } else {
    const h2 = http2.createSecureServer({ cert, key });
    h2.on('stream', (stream) => {
      stream.respond({ ':status': 200, 'content-type': 'application/octet-stream', 'content-length': '1024' });
      stream.end(BODY);
    });
    server = h2;
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  let start = process.cpuUsage();
  process.on('message', (message: ToChild) => {
    if (message.op === 'begin') start = process.cpuUsage();
    const used = process.cpuUsage(start);
    process.send!({ cpuMicros: used.user + used.system } satisfies FromChild);
  });
  // The bench ends, or dies: so does this server.
  process.on('disconnect', () => process.exit(0));
  process.send!({ port: (server.address() as { port: number }).port } satisfies FromChild);
}

// ── the bench ───────────────────────────────────────────────────────────────────────────────

interface Server {
  variant: Variant;
  child: ChildProcess;
  port: number;
}

async function startServer(variant: Variant): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['serve', variant], { stdio: 'inherit' });
  const [message] = (await once(child, 'message')) as [FromChild];
  if (!('port' in message)) throw new Error(`${variant} server: expected its port first`);
  return { variant, child, port: message.port };
}

async function ask(server: Server, op: ToChild['op']): Promise<FromChild> {
  server.child.send({ op } satisfies ToChild);
  const [reply] = (await once(server.child, 'message')) as [FromChild];
  return reply;
}

function h2load(port: number, requests: number): Promise<{ ok: boolean; reqPerSec: number; summary: string }> {
  const args = ['-n', String(requests), '-c', '4', '-m', '32', `https://127.0.0.1:${port}/`];
  return new Promise((resolve) => {
    execFile('h2load', args, { timeout: H2LOAD_DEADLINE_MS, maxBuffer: 1 << 20 }, (err, stdout) => {
      const ok = !err && stdout.includes(`status codes: ${requests} 2xx`);
      const reqPerSec = Number(/finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(stdout)?.[1] ?? NaN);
      resolve({ ok, reqPerSec, summary: stdout.split('\n').filter((l) => /requests:|status codes:|finished in/.test(l)).join(' | ') });
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function bench(rounds: number, requests: number): Promise<void> {
  const servers = await Promise.all(VARIANTS.map(startServer));
  const results = new Map<Variant, Array<{ cpuPerRequest: number; reqPerSec: number }>>(VARIANTS.map((v) => [v, []]));
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const server of servers) {
        await h2load(server.port, 2000); // warm-up: JIT and TLS session setup out of the figure
        await ask(server, 'begin');
        const load = await h2load(server.port, requests);
        const used = await ask(server, 'end');
        if (!load.ok || !('cpuMicros' in used)) throw new Error(`${server.variant} round ${round}: h2load did not complete: ${load.summary}`);
        const cpuPerRequest = used.cpuMicros / requests;
        results.get(server.variant)!.push({ cpuPerRequest, reqPerSec: load.reqPerSec });
        console.log(`round ${round} ${server.variant.padEnd(6)} ${cpuPerRequest.toFixed(2)} µs CPU/request, ${load.reqPerSec.toFixed(0)} req/s`);
      }
    }
  } finally {
    for (const server of servers) server.child.kill();
  }
  console.log(`\nmedians of ${rounds} rounds, h2load -n ${requests} -c 4 -m 32, 1 KiB responses over TLS:`);
  for (const variant of VARIANTS) {
    const runs = results.get(variant)!;
    console.log(`  ${variant.padEnd(6)} ${median(runs.map((r) => r.cpuPerRequest)).toFixed(2)} µs CPU/request  ${median(runs.map((r) => r.reqPerSec)).toFixed(0)} req/s`);
  }
}

const [command, arg1] = process.argv.slice(2);
if (command === 'serve') {
  if (arg1 !== 'engine' && arg1 !== 'node') throw new Error(`serve: expected engine or node, got ${arg1}`);
  await serve(arg1);
} else {
  const rounds = Number(command ?? 3);
  const requests = Number(arg1 ?? 200_000);
  if (!(rounds >= 1) || !(requests >= 1)) throw new Error(`usage: engine-micro.js [rounds] [requests], got ${command} ${arg1}`);
  await bench(rounds, requests);
}
