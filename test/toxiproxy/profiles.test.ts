/**
 * h2race's own proxy fields through the Toxiproxy API: a `profile` (preset or profile file with a
 * schedule) seeds a TCP proxy's toxics and shapes its traffic; /reset clears it.
 * A schedule toxic's profile file, through the API and the config file: read when the toxic is
 * added, so an edit between two adds counts for the second; a file that cannot be read or used is
 * a 400 (or, in a config file, the server's one start-up line) naming it, and nothing else breaks.
 */
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../cli/server-command.js';
import { silentLogger } from '../../proxy/log.js';
import { exchange, portOf, raw, Servers, startTestApi, type TestApi } from './harness.js';

let t: TestApi;
const servers = new Servers();
let upstream: string;
const tmp = mkdtempSync(join(tmpdir(), 'h2race-profile-'));
/** The schedule toxics' profile file, edited between adds. */
const scheduleFile = join(tmp, 'walk.yaml');

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

const addSchedule = (proxy: string, name: string) =>
  raw(t.url, 'POST', `/proxies/${proxy}/toxics`, JSON.stringify({ name, type: 'schedule', attributes: { file: scheduleFile } }));

/** The API's error message: one line. */
function errorLine(text: string): string {
  const { error } = JSON.parse(text) as { error: string };
  expect(error).not.toContain('\n');
  return error;
}

describe('schedule files through the API', () => {
  it('an edit between two adds counts for the second; an unreadable file is a 400 and the proxy keeps serving', async () => {
    writeFileSync(scheduleFile, 'faults: { latency: 1ms }\n');
    const created = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'walk', listen: '127.0.0.1:0', upstream }));
    expect(created.status).toBe(201);
    const listen = (JSON.parse(created.text) as { listen: string }).listen;
    expect((await addSchedule('walk', 'first')).status).toBe(200);

    writeFileSync(scheduleFile, 'steps: [\n');
    const broken = await addSchedule('walk', 'second');
    expect(broken.status).toBe(400);
    expect(errorLine(broken.text)).toMatch(/^bad request body: attributes\.file: .*walk\.yaml: not valid YAML/);

    unlinkSync(scheduleFile);
    const missing = await addSchedule('walk', 'second');
    expect(missing.status).toBe(400);
    expect(errorLine(missing.text)).toMatch(/^bad request body: attributes\.file: .*walk\.yaml: cannot read profile: ENOENT/);

    writeFileSync(scheduleFile, 'preset: lan\n');
    expect((await addSchedule('walk', 'second')).status).toBe(200);

    const toxics = JSON.parse((await raw(t.url, 'GET', '/proxies/walk/toxics')).text) as Array<Record<string, unknown>>;
    expect(toxics.map((x) => x.name)).toEqual(['first', 'second']);
    // What a toxic read stays inside h2race: the API shows Toxiproxy's fields only.
    expect(Object.keys(toxics[0]!).sort()).toEqual(['attributes', 'name', 'stream', 'toxicity', 'type']);
    const echoed = await exchange(portOf(listen), 'ping', { until: 4, deadlineMs: 4000 });
    expect(echoed.data.toString()).toBe('ping');
  });
});

describe('schedule files in the config file', () => {
  it('the config checks the shape; the file is read when the proxy takes the toxic, and again at the next add', async () => {
    writeFileSync(scheduleFile, 'faults: { latency: 1ms }\n');
    const config = join(tmp, 'server.yaml');
    const proxyYaml = `proxies:\n  - name: cfg\n    upstream: "${upstream}"\n    toxics: [{ name: from_config, type: schedule, attributes: { file: ${scheduleFile} } }]\n`;
    writeFileSync(config, `api: { host: 127.0.0.1, port: 0 }\n${proxyYaml}`);
    const server = await startServer({ config, port: 0, seed: 1 }, silentLogger());
    try {
      writeFileSync(scheduleFile, 'steps: [\n');
      const url = server.url;
      const res = await raw(url, 'POST', '/proxies/cfg/toxics', JSON.stringify({ name: 'later', type: 'schedule', attributes: { file: scheduleFile } }));
      expect(res.status).toBe(400);
      expect(errorLine(res.text)).toMatch(/walk\.yaml: not valid YAML/);
      const names = (JSON.parse((await raw(url, 'GET', '/proxies/cfg/toxics')).text) as Array<{ name: string }>).map((x) => x.name);
      expect(names).toEqual(['from_config']);
    } finally {
      await server.close();
    }

    unlinkSync(scheduleFile);
    await expect(startServer({ config, port: 0, seed: 1 }, silentLogger())).rejects.toThrow(
      /^proxies\[0\] \(cfg\): attributes\.file: .*walk\.yaml: cannot read profile: ENOENT[^\n]*$/,
    );
  });
});
