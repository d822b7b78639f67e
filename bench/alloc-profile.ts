/**
 * Where a small proxied request's garbage comes from: V8's sampling heap profiler over h2race
 * (engine front, `retain`, faults off, h2c origin) under h2load, as bytes per request by the
 * project function that allocated them (what Node allocates on a project function's behalf counts
 * for it). Two passes: every allocation, then only what outlived the scavenges (objects collected
 * by a scavenge left out): what gets promoted is what makes each scavenge slow.
 *
 *   npm run build && node dist/bench/alloc-profile.js [requests (20000)] [rows (25)]
 *
 * The origin runs in a child process (this file with `--origin`), so only the proxy is sampled.
 */
import { execFile, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerBuiltinToxics } from '../faults/toxics/builtin.js';
import { generateSelfSigned } from '../origin/cert.js';
import { startDemoOrigin } from '../origin/demo-origin.js';
import { startH2race } from '../proxy/h2race.js';
import { createProxyEvents } from '../proxy/events.js';
import { findExecutable } from './tools.js';

interface SamplingNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: SamplingNode[];
}

const run = promisify(execFile);

if (process.argv[2] === '--origin') {
  const origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 }, http2Settings: { maxConcurrentStreams: 1000 } });
  process.send!({ port: origin.addresses.h2c!.port });
  process.on('disconnect', () => void origin.close().then(() => process.exit(0)));
} else {
  registerBuiltinToxics();
  await main(Number(process.argv[2] ?? 20_000), Number(process.argv[3] ?? 25));
}

async function main(requests: number, rows: number): Promise<void> {
  const h2load = findExecutable('h2load');
  if (!h2load) throw new Error('h2load not found (Debian package nghttp2-client)');
  const origin = fork(new URL(import.meta.url).pathname, ['--origin']);
  const [{ port }] = (await once(origin, 'message')) as [{ port: number }];
  const dir = await mkdtemp(join(tmpdir(), 'h2race-alloc-'));
  const pair = await generateSelfSigned('h2race alloc-profile');
  await writeFile(join(dir, 'cert.pem'), pair.cert);
  await writeFile(join(dir, 'key.pem'), pair.key);
  const h2race = await startH2race({
    events: createProxyEvents(),
    listen: '127.0.0.1:0',
    origin: `h2c://127.0.0.1:${port}`,
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
    pool: { mode: 'retain' },
  });
  const url = `https://127.0.0.1:${h2race.proxy.address.port}/small?size=1024`;
  const load = (n: number) => run(h2load, [`-n${n}`, '-c4', '-m32', url], { maxBuffer: 1 << 20 });
  const session = new Session();
  session.connect();
  try {
    await load(Math.min(5_000, requests));
    await session.post('HeapProfiler.enable');
    for (const keepScavenged of [true, false]) {
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 512,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: keepScavenged,
      });
      await load(requests);
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: SamplingNode } };
      report(keepScavenged ? 'allocated' : 'outlived the scavenges', bySite(profile.head), requests, rows);
    }
  } finally {
    session.disconnect();
    await h2race.close();
    origin.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Bytes by the innermost project function on the allocation's stack ('(node)' when none is). */
function bySite(head: SamplingNode): Map<string, number> {
  const sites = new Map<string, number>();
  const walk = (node: SamplingNode, site: string): void => {
    const { url, functionName } = node.callFrame;
    const at = url.indexOf('/dist/');
    const here = at >= 0 && !url.includes('/node_modules/') ? `${url.slice(at + 6)} ${functionName || '(anonymous)'}` : site;
    if (node.selfSize > 0) sites.set(here, (sites.get(here) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, here);
  };
  walk(head, '(node)');
  return sites;
}

function report(title: string, sites: Map<string, number>, requests: number, rows: number): void {
  const total = [...sites.values()].reduce((a, b) => a + b, 0);
  console.log(`\n${title}: ${Math.round(total / requests)} bytes per request (${requests} requests, 1 KiB responses, 4 × 32 streams)`);
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${String(Math.round(bytes / requests)).padStart(7)}  ${site}`);
  }
}
