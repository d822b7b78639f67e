/**
 * The key log: h2race writes the NSS lines of every TLS session it terminates (front) and opens
 * (https origin) to one file, appended, made 0600; the lines equal what each session's other end
 * logged. `h2race proxy` takes it from --keylog, the config file's proxy.keylog, or SSLKEYLOGFILE.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { testCert } from '../helpers/tls-cert.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { startProxyCommand } from '../proxy/proxy-command.js';
import { getLogged, groupByClientRandom, readKeyLog, startKeyLogOrigin, TLS13_LABELS } from './keylog-peers.js';

const cleanups = cleanupsAfterEach();

const dir = mkdtempSync(join(tmpdir(), 'h2race-keylog-'));
let files = 0;
const freshPath = () => join(dir, `keys-${++files}.log`);

async function proxyWithKeyLog(origin: string, keylog: string) {
  const { certPath, keyPath } = await testCert();
  const h2race = await startH2race({ events: createProxyEvents(), listen: '127.0.0.1:0', origin, cert: certPath, key: keyPath, keylog, shutdownTimeoutMs: 500, upstream: { ca: certPath } });
  cleanups.push(() => h2race.close());
  return h2race;
}

describe.each(['TLSv1.3', 'TLSv1.2'] as const)('%s on both sides', (version) => {
  test('the key log holds each session\'s secrets exactly as its other end logged them', async () => {
    const origin = await startKeyLogOrigin(version);
    cleanups.push(() => origin.close());
    const path = freshPath();
    const h2race = await proxyWithKeyLog(origin.url, path);
    const clientLines = await getLogged(h2race.proxy.url, '/one', version);
    await h2race.close();

    const logged = readKeyLog(path);
    const front = groupByClientRandom(clientLines);
    const upstream = groupByClientRandom(origin.lines);
    expect(front.size).toBe(1);
    expect(upstream.size).toBe(1);
    expect(logged).toEqual(new Map([...front, ...upstream]));
    for (const labels of logged.values()) {
      expect([...labels.keys()].sort()).toEqual(version === 'TLSv1.3' ? TLS13_LABELS : ['CLIENT_RANDOM']);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});

test('appended: a second run adds its sessions after the first run\'s lines', async () => {
  const origin = await startKeyLogOrigin();
  cleanups.push(() => origin.close());
  const path = freshPath();
  writeFileSync(path, '# a line of someone else\'s\n', { mode: 0o600 });
  for (let run = 0; run < 2; run++) {
    const h2race = await proxyWithKeyLog(origin.url, path);
    await getLogged(h2race.proxy.url, `/run-${run}`);
    await h2race.close();
  }
  const text = readFileSync(path, 'utf8');
  expect(text.startsWith('# a line of someone else\'s\n')).toBe(true);
  // Two runs, each one front and one upstream session of five TLS 1.3 lines.
  expect(groupByClientRandom(text.split('\n').slice(1).filter((l) => l !== '')).size).toBe(4);
});

describe('h2race proxy', () => {
  async function runUntilLogged(extra: Parameters<typeof startProxyCommand>[0]): Promise<void> {
    const origin = await startKeyLogOrigin();
    cleanups.push(() => origin.close());
    const { certPath, keyPath } = await testCert();
    const cmd = startProxyCommand({ origin: origin.url, 'origin-ca': certPath, cert: certPath, key: keyPath, ...extra });
    cleanups.push(() => cmd.stop());
    const deadline = Date.now() + 5000;
    while (cmd.stdout.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const url = /on (https:\/\/\S+)/.exec(cmd.stdout[0] ?? '')?.[1];
    if (!url) throw new Error(`no startup line: ${cmd.stderr.join(' ')}`);
    await getLogged(url, '/cli');
    cmd.stop();
    expect(await cmd.exit).toBe(0);
  }

  test('--keylog FILE, and it wins over SSLKEYLOGFILE', async () => {
    const flag = freshPath();
    const env = freshPath();
    process.env.SSLKEYLOGFILE = env;
    cleanups.push(() => delete process.env.SSLKEYLOGFILE);
    await runUntilLogged({ keylog: flag });
    expect(readKeyLog(flag).size).toBe(2);
    expect(existsSync(env)).toBe(false);
  });

  test('proxy.keylog in the config file', async () => {
    const path = freshPath();
    const config = join(dir, 'keylog.yaml');
    writeFileSync(config, `proxy:\n  keylog: ${path}\n`);
    await runUntilLogged({ config });
    expect(readKeyLog(path).size).toBe(2);
  });

  test('SSLKEYLOGFILE when neither names one', async () => {
    const path = freshPath();
    process.env.SSLKEYLOGFILE = path;
    cleanups.push(() => delete process.env.SSLKEYLOGFILE);
    await runUntilLogged({});
    expect(readKeyLog(path).size).toBe(2);
  });

  test('a key log that cannot be opened: one line, exit 1', async () => {
    const path = join(dir, 'no-such-dir', 'keys.log');
    const cmd = startProxyCommand({ origin: 'http://127.0.0.1:9', 'state-dir': dir, keylog: path });
    expect(await cmd.exit).toBe(1);
    expect(cmd.stderr).toEqual([`h2race proxy: cannot open key log ${path}: ENOENT`]);
  });
});
