/**
 * h2race's own proxy fields through the Toxiproxy API: a `profile` (preset or profile file with a
 * schedule) seeds a TCP proxy's toxics and shapes its traffic; /reset clears it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exchange, portOf, raw, Servers, startTestApi, type TestApi } from './harness.js';

let t: TestApi;
const servers = new Servers();
let upstream: string;
const tmp = mkdtempSync(join(tmpdir(), 'h2race-profile-'));

beforeAll(async () => {
  t = await startTestApi({ startH2race: false });
  upstream = `127.0.0.1:${await servers.echo()}`;
});
afterAll(async () => {
  await t.close();
  await servers.closeAll();
  rmSync(tmp, { recursive: true, force: true });
});

const create = (body: object) => raw(t.url, 'POST', '/proxies', JSON.stringify({ listen: '127.0.0.1:0', upstream, ...body }));
/** Loopback answers in a few ms; 400 ms leaves room for a loaded machine, below every delay used. */
const CLEAN_MS = 400;
const roundTrip = async (listen: string) => (await exchange(portOf(listen), 'ping', { until: 4, deadlineMs: 4000 })).endedAt;

describe('profiles on API proxies', () => {
  it('a preset seeds the toxics and delays the traffic', async () => {
    const res = await create({ name: 'slow', profile: '4g-slow' });
    expect(res.status).toBe(201);
    const proxy = JSON.parse(res.text);
    expect(proxy.profile).toBe('4g-slow');
    expect(proxy.toxics.length).toBeGreaterThan(0);
    expect(proxy.toxics.map((x: { type: string }) => x.type)).toContain('latency');
    // 4g-slow adds a 563 ms round trip.
    expect(await roundTrip(proxy.listen)).toBeGreaterThanOrEqual(540);

    expect((await raw(t.url, 'POST', '/reset')).status).toBe(204);
    const after = JSON.parse((await raw(t.url, 'GET', '/proxies/slow')).text);
    expect(after.toxics).toEqual([]);
    expect(after.profile).toBeUndefined();
    expect(await roundTrip(after.listen)).toBeLessThan(CLEAN_MS);
  });

  it('a profile file walks its schedule while the proxy listens', async () => {
    const file = join(tmp, 'tunnel.yaml');
    writeFileSync(file, 'steps:\n  - at: 0s\n    faults: { latency: 700ms }\n  - at: 1500ms\n    label: clear\n');
    const res = await create({ name: 'sched', profile: file });
    expect(res.status).toBe(201);
    const proxy = JSON.parse(res.text);
    expect(proxy.toxics.length).toBeGreaterThan(0);
    expect(await roundTrip(proxy.listen)).toBeGreaterThanOrEqual(680);
    let toxics = proxy.toxics;
    for (let i = 0; i < 40 && toxics.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      toxics = JSON.parse((await raw(t.url, 'GET', '/proxies/sched')).text).toxics;
    }
    expect(toxics).toEqual([]);
    expect(await roundTrip(proxy.listen)).toBeLessThan(CLEAN_MS);
  });

  it('refuses an unknown profile, an unknown pool mode, and the h2race kind when it cannot run it', async () => {
    const unknown = await create({ name: 'p1', profile: 'moon-link' });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.text).error).toMatch(/^bad request body: profile: unknown profile "moon-link"/);
    const pool = await create({ name: 'p2', kind: 'h2race', pool: 'leaky' });
    expect(pool.status).toBe(400);
    expect(JSON.parse(pool.text).error).toMatch(/^bad request body: pool: /);
    const kind = await create({ name: 'p3', kind: 'h2race', upstream: 'https://127.0.0.1:1' });
    expect(kind.status).toBe(400);
    expect(JSON.parse(kind.text).error).toBe('bad request body: kind: h2race proxies are not available in this server');
    expect(Object.keys(JSON.parse((await raw(t.url, 'GET', '/proxies')).text))).not.toContain('p1');
  });
});
