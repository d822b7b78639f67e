/**
 * `h2race server --config`: the config file's `api:` and `proxies:` (with toxics) through the one
 * schema the API uses, and errors that name the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../cli/server-command.js';
import { silentLogger } from '../../proxy/log.js';
import { exchange, portOf, raw, Servers } from './harness.js';

const servers = new Servers();
const tmp = mkdtempSync(join(tmpdir(), 'h2race-server-'));
let upstream: string;

beforeAll(async () => {
  upstream = `127.0.0.1:${await servers.echo()}`;
});
afterAll(async () => {
  await servers.closeAll();
  rmSync(tmp, { recursive: true, force: true });
});

function configFile(name: string, text: string): string {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
}

describe('h2race server --config', () => {
  it('starts the proxies of a YAML file with their toxics, keys matched case-insensitively', async () => {
    const file = configFile(
      'ok.yaml',
      [
        'api: { host: 127.0.0.1, port: 0 }',
        'proxies:',
        '  - name: slow',
        `    upstream: "${upstream}"`,
        '    toxics:',
        '      - { type: latency, Stream: upstream, attributes: { latency: 600 } }',
        '      - { name: thin, type: bandwidth, toxicity: 0.5, attributes: { rate: 100 } }',
        '  - Name: off',
        `    Upstream: "${upstream}"`,
        '    enabled: false',
      ].join('\n'),
    );
    const api = await startServer({ config: file, seed: 7 }, silentLogger());
    try {
      const client = new Toxiproxy(api.url);
      const all = await client.getAll();
      expect(Object.keys(all)).toEqual(['off', 'slow']);
      expect(all.off!.enabled).toBe(false);
      const slow = JSON.parse((await raw(api.url, 'GET', '/proxies/slow')).text);
      expect(slow.toxics).toEqual([
        { attributes: expect.objectContaining({ latency: 600, jitter: 0 }), name: 'latency_upstream', type: 'latency', stream: 'upstream', toxicity: 1 },
        { attributes: expect.objectContaining({ rate: 100 }), name: 'thin', type: 'bandwidth', stream: 'downstream', toxicity: 0.5 },
      ]);
      const r = await exchange(portOf(slow.listen), 'ping', { until: 4, deadlineMs: 4000 });
      expect(r.data.toString()).toBe('ping');
      expect(r.endedAt).toBeGreaterThanOrEqual(580);
    } finally {
      await api.close();
    }
  });

  it('flags override the file; a JSON file works the same; --runtime-metrics adds process metrics', async () => {
    const file = configFile('ok.json', JSON.stringify({ api: { port: 1 }, proxies: [{ name: 'j', upstream, listen: '127.0.0.1:0' }] }));
    const api = await startServer({ config: file, port: 0, seed: 1, 'runtime-metrics': true }, silentLogger());
    try {
      expect((await raw(api.url, 'GET', '/metrics')).text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(api.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(portOf(api.address)).not.toBe(1);
      expect(Object.keys(await new Toxiproxy(api.url).getAll())).toEqual(['j']);
    } finally {
      await api.close();
    }
  });

  it('names the field at fault', async () => {
    const cases: Array<[string, RegExp]> = [
      ['proxies:\n  - name: a\n', /proxies\.0\.upstream: required/],
      [`proxies:\n  - name: a\n    upstream: "${upstream}"\n    toxics: [{ type: warp }]\n`, /proxies\.0\.toxics\.0\.type: invalid toxic type/],
      [`proxies:\n  - name: a\n    upstream: "${upstream}"\n    toxics: [{ type: latency, attributes: { latency: fast } }]\n`, /proxies\.0\.toxics\.0\.attributes\.latency: /],
      [`proxies:\n  - { name: a, upstream: "${upstream}" }\n  - { name: a, upstream: "${upstream}" }\n`, /proxies\.1\.name: proxy name a used twice/],
      ['api: { port: 70000 }\n', /api\.port: /],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const file = configFile(`bad-${i}.yaml`, text);
      await expect(startServer({ config: file, port: 0, seed: 1 }, silentLogger())).rejects.toThrow(message);
    }
  });

  it('a proxy that cannot start stops the server from starting and names it', async () => {
    const busy = await servers.echo();
    const file = configFile('busy.yaml', `proxies:\n  - { name: b, upstream: "${upstream}", listen: "127.0.0.1:${busy}" }\n`);
    await expect(startServer({ config: file, port: 0, seed: 1 }, silentLogger())).rejects.toThrow(
      `proxies[0] (b): listen tcp 127.0.0.1:${busy}: bind: address already in use`,
    );
  });
});
