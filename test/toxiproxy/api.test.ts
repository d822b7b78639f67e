/**
 * The Toxiproxy API as toxiproxy-node-client drives it, and its error bodies and codes read raw
 * (the client throws them away).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listToxicTypes } from '../../faults/toxics/registry.js';
import { exchange, raw, Servers, startTestApi, unusedPort, portOf, type TestApi } from './harness.js';

let t: TestApi;
const servers = new Servers();
let upstream: string;

beforeAll(async () => {
  t = await startTestApi();
  upstream = `127.0.0.1:${await servers.echo()}`;
});
const tmp = mkdtempSync(join(tmpdir(), 'h2race-api-'));
const traceFile = join(tmp, 'link.trace');
writeFileSync(traceFile, '1\n2\n3\n');
const scheduleFile = join(tmp, 'steps.yaml');
writeFileSync(scheduleFile, 'steps:\n  - at: 0s\n    faults: { latency: 10ms }\n');
/** Types whose attributes have no usable defaults. */
const requiredAttributes: Record<string, Record<string, unknown>> = {
  trace: { file: traceFile },
  profile: { preset: 'wifi' },
  schedule: { file: scheduleFile },
};

afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await t.close();
  await servers.closeAll();
});
afterEach(async () => {
  for (const p of Object.values(await t.client.getAll())) await p.remove();
});

const error = (status: number, message: string) => `${JSON.stringify({ error: message, status })}\n`;

describe('proxies through toxiproxy-node-client', () => {
  it('creates, lists, gets, disables, re-enables and deletes a proxy', async () => {
    const created = await t.client.createProxy({ name: 'db', listen: '127.0.0.1:0', upstream });
    expect(created.name).toBe('db');
    expect(created.enabled).toBe(true);
    expect(created.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(portOf(created.listen)).toBeGreaterThan(0);

    const all = await t.client.getAll();
    expect(Object.keys(all)).toEqual(['db']);
    expect(all.db!.listen).toBe(created.listen);

    const disabled = await created.update({ enabled: false, listen: created.listen, upstream });
    expect(disabled.enabled).toBe(false);
    const enabled = await disabled.update({ enabled: true, listen: created.listen, upstream });
    expect(enabled.enabled).toBe(true);
    expect((await t.client.get('db')).enabled).toBe(true);

    await enabled.remove();
    expect(Object.keys(await t.client.getAll())).toEqual([]);
  });

  it('populates: creates new proxies, keeps identical ones, answers 201 with the list', async () => {
    const listen = `127.0.0.1:${await unusedPort()}`;
    const first = await t.client.populate([{ name: 'a', listen, upstream }, { name: 'b', listen: '127.0.0.1:0', upstream, enabled: false }]);
    expect(Object.keys(first).sort()).toEqual(['a', 'b']);
    expect(first.b!.enabled).toBe(false);
    const a = await t.client.get('a');
    await a.addToxic({ name: 'slow', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5, jitter: 0 } });
    // Same addresses: the proxy and its toxics stay.
    await t.client.populate([{ name: 'a', listen, upstream }]);
    expect((await t.client.get('a')).toJson()).toMatchObject({ listen, enabled: true });
    const res = await raw(t.url, 'GET', '/proxies/a');
    expect(JSON.parse(res.text).toxics).toHaveLength(1);
  });

  it('PATCH to a new listen address or upstream restarts the proxy there', async () => {
    const p = await t.client.createProxy({ name: 'mv', listen: '127.0.0.1:0', upstream });
    const other = `127.0.0.1:${await servers.sender(10)}`;
    const newListen = `127.0.0.1:${await unusedPort()}`;
    const res = await raw(t.url, 'PATCH', '/proxies/mv', JSON.stringify({ listen: newListen, upstream: other }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ listen: newListen, upstream: other, enabled: true });
    expect((await exchange(portOf(p.listen), 'x', { deadlineMs: 1000 })).ended).toBe('error');
    const moved = await exchange(portOf(newListen), 'x', { deadlineMs: 2000 });
    expect(moved.data.toString()).toBe('x'.repeat(10));
  });

  it('reports the version as JSON', async () => {
    expect(JSON.parse(await t.client.getVersion())).toEqual({ version: '2.12.0' });
  });

  it('reset re-enables every proxy and removes every toxic', async () => {
    const p = await t.client.createProxy({ name: 'r', listen: '127.0.0.1:0', upstream });
    await p.addToxic({ name: 'l', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });
    await p.update({ enabled: false, listen: p.listen, upstream });
    await t.client.reset();
    const res = JSON.parse((await raw(t.url, 'GET', '/proxies/r')).text);
    expect(res.enabled).toBe(true);
    expect(res.toxics).toEqual([]);
  });
});

describe('toxics through toxiproxy-node-client', () => {
  it('adds, gets, updates and removes a toxic of every registered type', async () => {
    const tcp = await t.client.createProxy({ name: 'tox', listen: '127.0.0.1:0', upstream });
    // Frame toxics need an HTTP/2 proxy; a disabled one holds toxics without listening.
    const h2Res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'tox-h2', kind: 'h2race', enabled: false, upstream: 'h2c://127.0.0.1:1' }));
    expect(h2Res.status, h2Res.text).toBe(201);
    const h2 = await t.client.get('tox-h2');
    const defs = listToxicTypes();
    const types = defs.map((d) => d.type);
    for (const name of ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop', 'loss', 'trace']) {
      expect(types).toContain(name);
    }
    for (const [i, def] of defs.entries()) {
      const { type } = def;
      const p = def.kind === 'frame' ? h2 : tcp;
      const stream = i % 2 ? 'upstream' : 'downstream';
      // Each type with its defaults; the body shape the client's types ask for.
      const toxic = await p.addToxic({ name: `t-${type}`, type: type as 'latency', stream, toxicity: 0.5, attributes: (requiredAttributes[type] ?? {}) as never });
      expect(toxic.toJson()).toMatchObject({ name: `t-${type}`, type, stream, toxicity: 0.5 });
      const got = await p.getToxic(`t-${type}`);
      expect(got.attributes).toEqual(toxic.attributes);
      const updated = await got.update({ ...got.toJson(), toxicity: 0.25 });
      expect(updated.toxicity).toBe(0.25);
      expect(updated.attributes).toEqual(toxic.attributes);
    }
    const linkCount = defs.filter((d) => d.kind === 'link').length;
    const list = JSON.parse((await raw(t.url, 'GET', '/proxies/tox/toxics')).text) as Array<{ name: string; stream: string }>;
    expect(list).toHaveLength(linkCount);
    expect(JSON.parse((await raw(t.url, 'GET', '/proxies/tox-h2/toxics')).text)).toHaveLength(defs.length - linkCount);
    // Toxiproxy lists the upstream chain first, then downstream.
    const streams = list.map((x) => x.stream);
    expect(streams).toEqual([...streams].sort((a, b) => (a === b ? 0 : a === 'upstream' ? -1 : 1)));
    for (const def of defs) await (await (def.kind === 'frame' ? h2 : tcp).getToxic(`t-${def.type}`)).remove();
    expect(JSON.parse((await raw(t.url, 'GET', '/proxies/tox/toxics')).text)).toEqual([]);
    expect(JSON.parse((await raw(t.url, 'GET', '/proxies/tox-h2/toxics')).text)).toEqual([]);
  });

  it('refuses a frame toxic on a TCP proxy', async () => {
    await t.client.createProxy({ name: 'plain', listen: '127.0.0.1:0', upstream });
    const frameType = listToxicTypes().find((d) => d.kind === 'frame')!.type;
    const res = await raw(t.url, 'POST', '/proxies/plain/toxics', JSON.stringify({ type: frameType }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toBe(`bad request body: type: ${frameType} acts on HTTP/2 frames and proxy plain is a TCP proxy (kind: h2race runs it)`);
  });

  it('fills Toxiproxy defaults and merges updated attributes onto the current ones', async () => {
    await t.client.createProxy({ name: 'd', listen: '127.0.0.1:0', upstream });
    const created = await raw(t.url, 'POST', '/proxies/d/toxics', JSON.stringify({ type: 'latency', attributes: { latency: 100 } }));
    expect(created.status).toBe(200);
    expect(Object.keys(JSON.parse(created.text))).toEqual(['attributes', 'name', 'type', 'stream', 'toxicity']);
    expect(JSON.parse(created.text)).toMatchObject({ name: 'latency_downstream', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100, jitter: 0 } });
    const patched = await raw(t.url, 'PATCH', '/proxies/d/toxics/latency_downstream', JSON.stringify({ attributes: { jitter: 10 } }));
    expect(patched.status).toBe(200);
    expect(JSON.parse(patched.text)).toMatchObject({ toxicity: 1, attributes: { latency: 100, jitter: 10 } });
  });

  it('matches keys case-insensitively and ignores unknown ones', async () => {
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ NAME: 'ci', Upstream: upstream, listen: '127.0.0.1:0', colour: 'red' }));
    expect(res.status).toBe(201);
    const body = JSON.parse(res.text);
    expect(body).toMatchObject({ name: 'ci', upstream, enabled: true, toxics: [] });
    expect(Object.keys(body)).toEqual(['name', 'listen', 'upstream', 'enabled', 'toxics']);
    const tox = await raw(t.url, 'POST', '/proxies/ci/toxics', JSON.stringify({ Type: 'latency', STREAM: 'upstream', Attributes: { LATENCY: 7 } }));
    expect(JSON.parse(tox.text)).toMatchObject({ name: 'latency_upstream', stream: 'upstream', attributes: { latency: 7 } });
  });
});

describe('errors, as Toxiproxy words them', () => {
  it('answers every route with a request id and refuses browsers', async () => {
    const ok = await raw(t.url, 'GET', '/proxies');
    expect(ok.headers.get('x-toxiproxy-request-id')).toMatch(/^[0-9a-v]{20}$/);
    const browser = await raw(t.url, 'GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' });
    expect(browser.status).toBe(403);
    expect(browser.text).toBe('User agent not allowed\n');
  });

  it('404 for an unknown path, 405 for a wrong method', async () => {
    const missing = await raw(t.url, 'GET', '/nope');
    expect(missing.status).toBe(404);
    expect(missing.text).toBe('404 page not found\n');
    const wrong = await raw(t.url, 'PUT', '/proxies');
    expect(wrong.status).toBe(405);
    expect(wrong.text).toBe('');
  });

  it('bad and empty JSON', async () => {
    const empty = await raw(t.url, 'POST', '/proxies', '');
    expect(empty.status).toBe(400);
    expect(empty.text).toBe(error(400, 'bad request body: EOF'));
    expect(empty.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(empty.headers.get('x-content-type-options')).toBe('nosniff');
    const bad = await raw(t.url, 'POST', '/proxies', '{bad');
    expect(bad.text).toBe(error(400, "bad request body: invalid character 'b' looking for beginning of object key string"));
    const cut = await raw(t.url, 'POST', '/proxies', '{"name": "x"');
    expect(cut.text).toBe(error(400, 'bad request body: unexpected EOF'));
    const typed = await raw(t.url, 'POST', '/proxies', '{"name": 5}');
    expect(typed.text).toBe(error(400, 'bad request body: json: cannot unmarshal number into Go struct field Proxy.name of type string'));
  });

  it('missing fields, existing and unknown proxies', async () => {
    expect((await raw(t.url, 'POST', '/proxies', JSON.stringify({ upstream }))).text).toBe(error(400, 'missing required field: name'));
    expect((await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'x' }))).text).toBe(error(400, 'missing required field: upstream'));
    expect((await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: null, upstream }))).text).toBe(error(400, 'missing required field: name'));
    await t.client.createProxy({ name: 'dup', listen: '127.0.0.1:0', upstream });
    const dup = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'dup', upstream, listen: '127.0.0.1:0' }));
    expect(dup.status).toBe(409);
    expect(dup.text).toBe(error(409, 'proxy already exists'));
    for (const [method, path] of [['GET', '/proxies/ghost'], ['DELETE', '/proxies/ghost'], ['PATCH', '/proxies/ghost'], ['GET', '/proxies/ghost/toxics'], ['POST', '/proxies/ghost/toxics']]) {
      const res = await raw(t.url, method!, path!, '{}');
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.text).toBe(error(404, 'proxy not found'));
    }
    const populate = await raw(t.url, 'POST', '/populate', JSON.stringify([{ name: 'ok', upstream }, { upstream }]));
    expect(populate.status).toBe(400);
    expect(JSON.parse(populate.text)).toEqual({ error: 'missing required field: name at proxy 2', status: 400, proxies: null });
  });

  it('toxic errors: type, stream, duplicate, unknown, bad attribute', async () => {
    await t.client.createProxy({ name: 'e', listen: '127.0.0.1:0', upstream });
    const post = (body: unknown) => raw(t.url, 'POST', '/proxies/e/toxics', JSON.stringify(body));
    expect((await post({ type: 'nonsense' })).text).toBe(error(400, 'invalid toxic type'));
    expect((await post({})).text).toBe(error(400, 'invalid toxic type'));
    expect((await post({ type: 'latency', stream: 'sideways' })).text).toBe(
      error(400, 'stream was invalid, can be either upstream or downstream'),
    );
    expect((await post({ type: 'latency', name: 'x' })).status).toBe(200);
    const dup = await post({ type: 'bandwidth', name: 'x', stream: 'upstream' });
    expect(dup.status).toBe(409);
    expect(dup.text).toBe(error(409, 'toxic already exists'));
    const frac = await post({ type: 'latency', name: 'y', attributes: { latency: 1.5 } });
    expect(frac.status).toBe(400);
    expect(JSON.parse(frac.text).error).toMatch(/^bad request body: json: cannot unmarshal number 1\.5 into Go struct field .*latency of type int64$/);
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      const res = await raw(t.url, method, '/proxies/e/toxics/ghost', '{}');
      expect(res.status).toBe(404);
      expect(res.text).toBe(error(404, 'toxic not found'));
    }
  });

  it('port in use: 500 with the bind error', async () => {
    const busy = await servers.echo();
    const res = await raw(t.url, 'POST', '/proxies', JSON.stringify({ name: 'busy', listen: `127.0.0.1:${busy}`, upstream }));
    expect(res.status).toBe(500);
    expect(res.text).toBe(error(500, `listen tcp 127.0.0.1:${busy}: bind: address already in use`));
    expect((await raw(t.url, 'GET', '/proxies/busy')).status).toBe(404);
  });

  it('a PATCH that loses the race to a DELETE answers 404 and starts nothing', async () => {
    const p = await t.client.createProxy({ name: 'race', listen: '127.0.0.1:0', enabled: false, upstream });
    const port = await unusedPort();
    const patch = raw(t.url, 'PATCH', '/proxies/race', JSON.stringify({ enabled: true, listen: `127.0.0.1:${port}` }));
    await p.remove();
    const res = await patch;
    // Either order is legal; a proxy started after its delete is not.
    if (res.status === 404) expect(res.text).toBe(error(404, 'proxy not found'));
    else expect(res.status).toBe(200);
    expect((await exchange(port, 'x', { deadlineMs: 1000 })).ended).toBe('error');
  });

  it('refuses a body over the size limit, declared or streamed', async () => {
    const res = await raw(t.url, 'POST', '/proxies', `{"name":"${'x'.repeat(2 << 20)}"}`);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).status).toBe(413);
    const big = new Blob([`{"name":"${'y'.repeat(2 << 20)}"}`]).stream();
    const streamed = await fetch(`${t.url}/proxies`, { method: 'POST', body: big, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await streamed.json()).status).toBe(413);
    expect((await raw(t.url, 'GET', '/version')).status).toBe(200);
  });
});
