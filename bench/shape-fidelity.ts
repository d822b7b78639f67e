/**
 * Shaped-path fidelity: what `scenario --shape` puts between a viewer and a server, measured on
 * real loopback sockets through the shaping relay (scenario/shaped-path.ts) beside the preset:
 *   - rate: a server writing as fast as its socket takes, read as fast as it comes, for N seconds
 *     from the first byte (the relay has no slow start to skip), beside what the preset should
 *     deliver (expectedDownBytesPerSecond: its capacity, less the retransmissions of its loss);
 *   - RTT: a one-byte ping-pong with an echo server, one ping in flight at a time;
 *   - held: how many bytes the sender's socket has accepted that have not yet left the emulated
 *     bottleneck (sender's kernel, relay's kernel and the relay itself), i.e. how long a byte the
 *     server writes now waits before it even starts across the link.
 * Alone: `node dist/bench/shape-fidelity.js [--seconds 10] [preset ...]` (all presets by default).
 */
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { findPreset, PRESETS, type Preset } from '../faults/profiles/presets.js';
import { registerBuiltinToxics } from '../faults/toxics/builtin.js';
import { startShapedPath, type ShapedPath } from '../scenario/shaped-path.js';

export interface ShapedRate {
  /** Bytes per second from the first byte to the end of the window. */
  bytesPerSecond: number;
  bytes: number;
  seconds: number;
  /** Per second of the window, bytes that arrived (how steady the rate was). */
  perSecond: number[];
  /** Bytes the sender's socket had accepted but the client had not received, sampled each second. */
  held: number[];
}

export interface ShapedRtt {
  /** Each ping's round trip, ms, in order. */
  samples: number[];
  min: number;
  median: number;
  max: number;
}

const SILENT = pino({ level: 'silent' });

/** A loopback server whose `onConnection` gets each accepted socket; close() ends it and them. */
async function loopbackServer(onConnection: (socket: Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.setNoDelay(true);
    onConnection(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

async function throughShape<T>(shape: string, onConnection: (socket: Socket) => void, run: (client: Socket) => Promise<T>): Promise<T> {
  const origin = await loopbackServer(onConnection);
  let shaped: ShapedPath | undefined;
  let client: Socket | undefined;
  try {
    shaped = await startShapedPath(new URL(`http://127.0.0.1:${origin.port}`), shape, 1, SILENT);
    client = connect(shaped.address.port, shaped.address.host);
    client.setNoDelay(true);
    await once(client, 'connect');
    return await run(client);
  } finally {
    client?.destroy();
    await shaped?.close();
    await origin.close();
  }
}

/** A bulk download through `shape` for `seconds` after its first byte. */
export async function measureShapedRate(shape: string, seconds: number): Promise<ShapedRate> {
  let accepted = 0;
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  return throughShape(
    shape,
    (socket) => {
      // Counted when the kernel took the bytes (the write's callback), as a server's "written".
      const fill = (): void => {
        while (!socket.destroyed && socket.write(chunk, (err) => err || (accepted += chunk.length)));
      };
      socket.on('drain', fill);
      fill();
    },
    async (client) => {
      let bytes = 0;
      client.on('data', (d: Buffer) => (bytes += d.length));
      await once(client, 'data');
      const start = performance.now();
      const first = bytes;
      const perSecond: number[] = [];
      const held: number[] = [];
      for (let s = 1; s <= seconds; s++) {
        const before = bytes;
        await sleepUntil(start + s * 1000);
        perSecond.push(bytes - before);
        held.push(accepted - bytes);
      }
      const elapsed = (performance.now() - start) / 1000;
      return { bytesPerSecond: (bytes - first) / elapsed, bytes: bytes - first, seconds: elapsed, perSecond, held };
    },
  );
}

/** `count` one-byte ping-pongs through `shape`, one in flight at a time. */
export async function measureShapedRtt(shape: string, count: number): Promise<ShapedRtt> {
  return throughShape(
    shape,
    (socket) => socket.pipe(socket),
    async (client) => {
      const samples: number[] = [];
      for (let i = 0; i < count; i++) {
        const sent = performance.now();
        client.write(Buffer.of(i & 0xff));
        await once(client, 'data');
        samples.push(performance.now() - sent);
      }
      const sorted = [...samples].sort((a, b) => a - b);
      return { samples, min: sorted[0]!, median: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
    },
  );
}

/**
 * What a bulk download through the preset should deliver, bytes/s: the bottleneck's capacity,
 * of which a lossy preset spends a share on retransmissions — each lost segment crosses the
 * bottleneck twice (toxics/loss-recovery.ts), so C / (1 + loss). The loss model keeps the sender's
 * window through a recovery (no halving: README, Known limits), so nothing else is taken off.
 */
export function expectedDownBytesPerSecond(preset: Preset): number | undefined {
  if (preset.downBitsPerSecond === undefined) return undefined;
  return preset.downBitsPerSecond / 8 / (1 + (preset.lossPercent ?? 0) / 100);
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { seconds: { type: 'string', default: '10' }, pings: { type: 'string', default: '10' } } });
  const seconds = Number(values.seconds);
  const pings = Number(values.pings);
  const names = positionals.length > 0 ? positionals : PRESETS.map((p) => p.name);
  for (const name of names) {
    const preset = findPreset(name);
    if (!preset) throw new Error(`unknown preset ${name}`);
    const rtt = await measureShapedRtt(name, pings);
    const rate = preset.downBitsPerSecond ? await measureShapedRate(name, seconds) : undefined;
    const down = preset.downBitsPerSecond ? preset.downBitsPerSecond / 8 : undefined;
    const expected = expectedDownBytesPerSecond(preset);
    process.stdout.write(
      `${JSON.stringify({
        preset: name,
        rttMs: preset.rttMs,
        rttMeasured: { min: round(rtt.min), median: round(rtt.median), max: round(rtt.max) },
        downBytesPerSecond: down,
        expectedDownBytesPerSecond: expected && Math.round(expected),
        rateMeasured: rate && Math.round(rate.bytesPerSecond),
        ratePercent: rate && down && round((100 * rate.bytesPerSecond) / down),
        expectedPercent: rate && expected && round((100 * rate.bytesPerSecond) / expected),
        heldMaxBytes: rate && Math.max(...rate.held),
        heldLastBytes: rate?.held.at(-1),
      })}\n`,
    );
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  registerBuiltinToxics();
  main().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`shape-fidelity: ${err.message}\n`);
      process.exit(1);
    },
  );
}
