/**
 * SIGHUP on a real `h2race proxy --config FILE` process: a bad file is refused with one line
 * naming the file and the field while the proxy keeps serving on its running config; a good file's
 * faults reach new requests at once, and a changed proxy section is reported as needing a restart.
 * With --api the API owns the proxy: SIGHUP is answered, not fatal.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoOrigin } from '../../origin/demo-origin.js';
import { connectH2, get } from '../helpers/h2-client.js';
import { waitFor } from '../helpers/wait.js';
import { ensureCliBuilt, startProxyProcess } from './proxy-process.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-reload-'));
const configPath = join(dir, 'h2race.yaml');
let origin: Awaited<ReturnType<typeof startDemoOrigin>>;

beforeAll(async () => {
  ensureCliBuilt();
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
}, 200_000);
afterAll(async () => {
  await origin.close();
});

function writeConfig(faults: string, maxSessions = 4): void {
  writeFileSync(
    configPath,
    `proxy:\n  origin: ${origin.urls.h2c}\n  stateDir: ${join(dir, 'state')}\n  upstream: { maxSessions: ${maxSessions} }\n${faults}`,
  );
}

/** A GET of /small on a fresh connection: its status and how long it took end to end. */
async function timedGet(port: number): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const session = await connectH2(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
  try {
    const res = await get(session, '/small?size=100');
    return { status: res.status, ms: performance.now() - started };
  } finally {
    session.destroy();
  }
}

describe('config reload (SIGHUP)', () => {
  it('refuses a bad file and keeps serving; applies a good one to new requests', { timeout: 60_000 }, async () => {
    writeConfig('faults: {}\n');
    const proxy = await startProxyProcess(['--listen', '127.0.0.1:0', '--config', configPath]);
    try {
      expect((await timedGet(proxy.port)).status).toBe(200);

      writeConfig('faults:\n  latency: fast\n');
      proxy.child.kill('SIGHUP');
      await waitFor('the refusal line', () => proxy.stderr.some((l) => l.includes('reload refused')), 10_000);
      const refusal = proxy.stderr.find((l) => l.includes('reload refused'))!;
      expect(refusal).toContain(configPath);
      expect(refusal).toContain('faults.latency');
      expect(proxy.child.exitCode).toBeNull();
      expect((await timedGet(proxy.port)).status).toBe(200);

      // 400 ms one way on the link to the client: no response can arrive sooner than that.
      writeConfig('faults:\n  latency: 400ms\n', 2);
      proxy.child.kill('SIGHUP');
      await waitFor('the reload line', () => proxy.stdout.some((l) => l.includes('reloaded')), 10_000);
      const reloaded = proxy.stdout.find((l) => l.includes('reloaded'))!;
      expect(reloaded).toContain('latency_downstream');
      expect(reloaded).toContain('proxy changed, which takes a restart');
      const slow = await timedGet(proxy.port);
      expect(slow.status).toBe(200);
      expect(slow.ms).toBeGreaterThanOrEqual(400);
    } finally {
      proxy.kill();
      await proxy.exit;
    }
  });

  it('with --api: SIGHUP is answered with one line, and the proxy keeps running and serving', { timeout: 60_000 }, async () => {
    writeConfig('faults: {}\n');
    const proxy = await startProxyProcess(['--listen', '127.0.0.1:0', '--config', configPath, '--api', '127.0.0.1:0']);
    try {
      proxy.child.kill('SIGHUP');
      await waitFor('the reload answer', () => proxy.stderr.some((l) => l.includes('reload asked')), 10_000);
      expect(proxy.stderr.find((l) => l.includes('reload asked'))).toContain('--api');
      expect(proxy.child.exitCode).toBeNull();
      expect(proxy.child.signalCode).toBeNull();
      expect((await timedGet(proxy.port)).status).toBe(200);
    } finally {
      proxy.kill();
      await proxy.exit;
    }
  });
});
