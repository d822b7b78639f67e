/**
 * Bad configuration given to `h2race proxy`: each is refused at start with exit code 1 and exactly
 * one stderr line naming the file and the field (no usage text, no stack trace). The cases run
 * in-process through proxyMain (what the command's handler runs); one runs as a real process to
 * show the line and the exit code reach the shell. Reload (SIGHUP) is in reload.test.ts.
 * test/proxy/cli.test.ts covers a value too small and a bad flag.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { testCert } from '../helpers/tls-cert.js';
import { proxyMain, type ProxyArgs } from '../../cli/proxy-command.js';
import { generateSelfSigned } from '../../proxy/certs.js';
import { ensureCliBuilt, spawnCli } from './proxy-process.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-config-'));
let certPath: string;
let keyPath: string;
beforeAll(async () => {
  ({ certPath, keyPath } = await testCert());
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Runs the proxy command in-process; a config that unexpectedly starts is stopped at once (exit 0). */
async function refusedInProcess(extra: Partial<ProxyArgs>): Promise<{ code: number; stderr: string[] }> {
  const stderr: string[] = [];
  const args: ProxyArgs = { 'frame-path': true, 'log-level': 'silent', listen: '127.0.0.1:0', ...extra };
  const code = await proxyMain(args, { stdout: () => {}, stderr: (l) => stderr.push(l), untilStop: () => Promise.resolve() });
  return { code, stderr };
}

describe('bad configuration at start', () => {
  it('each bad file, value, field or certificate: exit 1 and one line naming the file and the field', async () => {
    const origin = 'proxy:\n  origin: h2c://127.0.0.1:9\n';
    const otherKey = file('other-pair-key.pem', (await generateSelfSigned()).key);
    const cases: Array<[string, string, RegExp]> = [
      ['YAML that does not parse', file('broken.yaml', 'proxy:\n  origin: [h2c://x\n'), /^h2race proxy: .*broken\.yaml: not valid YAML: /],
      ['JSON that does not parse', file('broken.json', '{"proxy": {'), /^h2race proxy: .*broken\.json: not valid JSON: /],
      ['a value of the wrong type', file('type.yaml', `${origin}  upstream:\n    responseTimeoutMs: soon\n`), /^h2race proxy: .*type\.yaml: proxy\.upstream\.responseTimeoutMs: .*number/],
      ['a value out of range', file('range.yaml', `${origin}  downstream:\n    settings:\n      maxFrameSize: 100\n`), /^h2race proxy: .*range\.yaml: proxy\.downstream\.settings\.maxFrameSize: /],
      ['an unknown field', file('unknown.yaml', `${origin}  upstreem: {}\n`), /^h2race proxy: .*unknown\.yaml: proxy: .*upstreem/],
      ['an unknown section', file('section.yaml', `${origin}proxxy: {}\n`), /^h2race proxy: .*section\.yaml: .*proxxy/],
      ['a bad pool mode', file('pool.yaml', `${origin}pool:\n  mode: sometimes\n`), /^h2race proxy: .*pool\.yaml: pool\.mode: /],
      ['a missing certificate', file('cert.yaml', `${origin}  cert: ${join(dir, 'nope.pem')}\n  key: ${keyPath}\n`), /^h2race proxy: cannot read certificate .*nope\.pem: ENOENT$/],
      ['a key of another certificate', file('other.yaml', `${origin}  cert: ${certPath}\n  key: ${otherKey}\n`), /^h2race proxy: the key does not match the certificate .*cert\.pem$/],
      ['a key file that holds no key', file('pair.yaml', `${origin}  cert: ${certPath}\n  key: ${file('other-key.pem', 'not a key')}\n`), /^h2race proxy: the key for .* is not a PEM private key$/],
    ];
    for (const [what, config, line] of cases) {
      const { code, stderr } = await refusedInProcess({ config });
      expect({ what, code, lines: stderr.length }).toEqual({ what, code: 1, lines: 1 });
      expect(stderr[0], what).toMatch(line);
    }
    // A --config path that is not there is a command-line mistake: exit 2, the flag named.
    const missing = join(dir, 'missing.yaml');
    expect(await refusedInProcess({ config: missing })).toEqual({ code: 2, stderr: [`h2race proxy: --config ${JSON.stringify(missing)}: no such file`] });
  });

  it('as a real process (dist/cli/main.js): exit code 1 and the one line on stderr', { timeout: 200_000 }, async () => {
    ensureCliBuilt();
    const p = spawnCli(['proxy', '--listen', '127.0.0.1:0', '--log-level', 'silent', '--config', file('process.yaml', 'proxy:\n  origin: h2c://127.0.0.1:9\n  upstreem: {}\n')]);
    const timer = setTimeout(() => p.kill(), 20_000);
    const { code } = await p.exit;
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(p.stderr).toEqual([`h2race proxy: ${join(dir, 'process.yaml')}: proxy: Unrecognized key: "upstreem"`]);
  });
});
