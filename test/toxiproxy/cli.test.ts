/**
 * The `h2race proxies` and `h2race toxic` subcommands against a live admin server, run in-process
 * through yargs with the same command modules cli/main.ts registers.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { proxiesCommand } from '../../cli/proxies-command.js';
import { toxicCommand, parseAttributes } from '../../cli/toxic-command.js';
import { createH2raceStarter } from '../../api/h2race-starter.js';
import { testCert } from '../helpers/tls-cert.js';
import { raw, Servers, startTestApi, type TestApi } from './harness.js';

let t: TestApi;
const servers = new Servers();
let upstream: string;

beforeAll(async () => {
  const { certPath, keyPath } = await testCert();
  t = await startTestApi({ startH2race: createH2raceStarter({ cert: certPath, key: keyPath, shutdownTimeoutMs: 500 }) });
  upstream = `127.0.0.1:${await servers.echo()}`;
});
afterAll(async () => {
  await t.close();
  await servers.closeAll();
});

/** Run `h2race <argv>` against the test server; resolves with what it printed, rejects with its error. */
async function run(...argv: string[]): Promise<string> {
  return runRaw(...(argv[1] === 'types' ? argv : [...argv, '--host', t.url]));
}

async function runRaw(...argv: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    await yargs()
      .scriptName('h2race')
      .strict()
      .command(proxiesCommand)
      .command(toxicCommand)
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .exitProcess(false)
      .parseAsync(argv);
  } finally {
    spy.mockRestore();
  }
  return lines.join('\n');
}

const proxyJson = async (name: string) => JSON.parse((await raw(t.url, 'GET', `/proxies/${name}`)).text);

describe('h2race proxies / toxic', () => {
  it('creates, lists, toggles, inspects and deletes proxies', async () => {
    expect(await run('proxies', 'create', 'cache', '--upstream', upstream)).toMatch(/^Created new proxy cache listening on 127\.0\.0\.1:\d+ forwarding to /);
    expect(await run('proxies', 'list')).toMatch(new RegExp(`^cache\\t127\\.0\\.0\\.1:\\d+\\t${upstream}\\tenabled\\t0 toxics$`, 'm'));
    expect(await run('proxies', 'toggle', 'cache')).toBe('Proxy cache is now disabled');
    expect((await proxyJson('cache')).enabled).toBe(false);
    expect(await run('proxies', 'toggle', 'cache')).toBe('Proxy cache is now enabled');
    expect(await run('proxies', 'inspect', 'cache')).toMatch(/Proxy has no toxics enabled\./);
    expect(await run('proxies', 'delete', 'cache')).toBe('Deleted proxy cache');
    expect(await run('proxies', 'list')).toBe('no proxies');
  });

  it('adds, lists, updates and removes toxics', async () => {
    await run('proxies', 'create', 'db', '--upstream', upstream);
    expect(await run('toxic', 'add', 'db', '-t', 'latency', '-a', 'latency=100', '-a', 'jitter=5', '--upstream')).toBe(
      "Added upstream latency toxic 'latency_upstream' on proxy 'db'",
    );
    expect(await run('toxic', 'add', 'db', '-t', 'bandwidth', '-n', 'thin', '--tox', '0.5', '-a', 'rate=64')).toBe(
      "Added downstream bandwidth toxic 'thin' on proxy 'db'",
    );
    const listed = await run('toxic', 'list', 'db');
    expect(listed.split('\n')[0]).toMatch(/^latency_upstream\ttype=latency\tstream=upstream\ttoxicity=1\tlatency=100 jitter=5/);
    expect(listed.split('\n')[1]).toMatch(/^thin\ttype=bandwidth\tstream=downstream\ttoxicity=0.5\trate=64/);
    await run('toxic', 'update', 'db', '-n', 'latency_upstream', '-a', 'jitter=7');
    const after = (await proxyJson('db')).toxics.find((x: { name: string }) => x.name === 'latency_upstream');
    expect(after.attributes).toMatchObject({ latency: 100, jitter: 7 });
    expect(await run('toxic', 'remove', 'db', '-n', 'thin')).toBe("Removed toxic 'thin' on proxy 'db'");
    expect((await proxyJson('db')).toxics.map((x: { name: string }) => x.name)).toEqual(['latency_upstream']);
    expect(await run('proxies', 'inspect', 'db')).toMatch(/latency_upstream\ttype=latency/);
  });

  it("passes h2race's own fields (kind, pool, profile) through the client", async () => {
    await run('proxies', 'create', 'edge', '--upstream', upstream, '--profile', 'wifi');
    const edge = await proxyJson('edge');
    expect(edge.profile).toBe('wifi');
    expect(edge.toxics.length).toBeGreaterThan(0);
    await run('proxies', 'create', 'web', '--kind', 'h2race', '--pool', 'release-on-reset', '--upstream', 'h2c://127.0.0.1:1', '--listen', '127.0.0.1:0');
    expect(await proxyJson('web')).toMatchObject({ kind: 'h2race', pool: 'release-on-reset', upstream: 'h2c://127.0.0.1:1' });
    await run('proxies', 'delete', 'web');
    await run('proxies', 'delete', 'edge');
  });

  it('names what failed', async () => {
    // The API's own message and status, not the client's "Request failed with status code 404".
    await expect(run('proxies', 'delete', 'ghost')).rejects.toThrow('Failed to delete proxy ghost: proxy not found (HTTP 404)');
    await expect(run('toxic', 'add', 'ghost', '-t', 'latency')).rejects.toThrow('Failed to add toxic to ghost: proxy not found (HTTP 404)');
    expect(() => parseAttributes(['latency'])).toThrow('--attribute latency: expected key=value');
    expect(parseAttributes(['latency=100', 'file=/tmp/x.trace', 'on=true'])).toEqual({ latency: 100, file: '/tmp/x.trace', on: true });
  });

  it('finds the server in $TOXIPROXY_URL when --host is not given', async () => {
    const saved = process.env.TOXIPROXY_URL;
    process.env.TOXIPROXY_URL = t.url;
    try {
      await runRaw('proxies', 'create', 'env', '--upstream', upstream);
      expect(await runRaw('proxies', 'list')).toMatch(/^env\t/m);
    } finally {
      if (saved === undefined) delete process.env.TOXIPROXY_URL;
      else process.env.TOXIPROXY_URL = saved;
    }
  });

  it('lists the toxic types this build knows', async () => {
    const out = await run('toxic', 'types');
    for (const type of ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop', 'loss', 'trace']) {
      expect(out).toMatch(new RegExp(`^${type} +`, 'm'));
    }
  });
});
