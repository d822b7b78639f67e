/**
 * Config files and certificates: YAML and JSON load into the composed schema; every failure is
 * one line naming the file and the field; a certificate pair that does not fit is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfigFile } from '../../config/load.js';
import { parseListenAddress } from '../../config/proxy-schema.js';
import { generateSelfSigned, loadOrCreateCertificate } from '../../proxy/certs.js';
import { startTestProxy } from '../helpers/h2-client.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('config files', () => {
  test('YAML and JSON give the same proxy section, defaults filled', async () => {
    const yaml = await loadConfigFile(file('a.yaml', 'proxy:\n  origin: h2c://127.0.0.1:9000\n  upstream:\n    settings:\n      maxFrameSize: 32768\n'));
    const json = await loadConfigFile(file('a.json', JSON.stringify({ proxy: { origin: 'h2c://127.0.0.1:9000', upstream: { settings: { maxFrameSize: 32768 } } } })));
    expect(yaml.proxy).toEqual(json.proxy);
    expect(yaml.proxy).toMatchObject({ listen: '127.0.0.1:8443', upstream: { maxSessions: 4, settings: { maxFrameSize: 32768 } } });
  });

  test.each([
    ['missing.yaml', null, /missing\.yaml: cannot read: ENOENT$/],
    ['broken.yaml', 'proxy: [unclosed', /broken\.yaml: not valid YAML: /],
    ['broken.json', '{"proxy":', /broken\.json: not valid JSON: /],
    ['typo.yaml', 'proxy:\n  upstreem: {}\n', /typo\.yaml: proxy: Unrecognized key: "upstreem"$/],
    ['field.yaml', 'proxy:\n  downstream:\n    settings:\n      initialWindowSize: -1\n', /field\.yaml: proxy\.downstream\.settings\.initialWindowSize: Too small/],
    ['listen.yaml', 'proxy:\n  listen: localhost\n', /listen\.yaml: proxy\.listen: expected host:port/],
    // The node front is gone: its two options are refused with why, whatever their value.
    ['engine.yaml', 'proxy:\n  downstream:\n    engine: node\n', /\/engine\.yaml: proxy\.downstream\.engine: removed: the TLS and h2c fronts always run on h2race's own engine$/],
    ['engine-h2race.yaml', 'proxy:\n  downstream:\n    engine: h2race\n', /\/engine-h2race\.yaml: proxy\.downstream\.engine: removed: /],
    ['session-memory.yaml', 'proxy:\n  downstream:\n    maxSessionMemoryMiB: 64\n', /\/session-memory\.yaml: proxy\.downstream\.maxSessionMemoryMiB: removed: .*connectionMemoryMiB$/],
    // node:http2's client left the upstream side too.
    ['upstream-memory.yaml', 'proxy:\n  upstream:\n    maxSessionMemoryMiB: 64\n', /\/upstream-memory\.yaml: proxy\.upstream\.maxSessionMemoryMiB: removed: .*h2race's own engine/],
  ])('%s → one line naming the file and the field', async (name, text, message) => {
    const path = text === null ? join(dir, name) : file(name, text);
    const err = await loadConfigFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  test('setting one HTTP/2 setting keeps the other defaults of its side', async () => {
    const loaded = await loadConfigFile(file('one.yaml', 'proxy:\n  downstream:\n    settings:\n      maxHeaderListSize: 16384\n'));
    expect(loaded.proxy?.downstream?.settings).toEqual({ initialWindowSize: 1024 * 1024, maxConcurrentStreams: 100, maxHeaderListSize: 16384 });
    expect(loaded.proxy?.upstream?.settings).toEqual({ initialWindowSize: 1024 * 1024 });
  });

  test('listen addresses: IPv4, [IPv6], names; ports in range', () => {
    expect(parseListenAddress('127.0.0.1:8443')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('localhost:80')).toEqual({ host: 'localhost', port: 80 });
    for (const bad of ['8443', '::1:80', '[nothost]:1', 'a:65536', 'a:']) expect(parseListenAddress(bad)).toBeUndefined();
  });

  test('startProxy refuses bad options with the field named', async () => {
    await expect(startTestProxy('ftp://127.0.0.1:1')).rejects.toThrow(/^proxy options: origin: expected an origin URL/);
  });
});

describe('certificates', () => {
  test('unreadable files and mismatched pairs are refused in one line', async () => {
    const a = await generateSelfSigned();
    const b = await generateSelfSigned();
    const certPath = file('a-cert.pem', a.cert);
    const otherKey = file('b-key.pem', b.key);
    await expect(loadOrCreateCertificate({ cert: certPath, key: join(dir, 'nope.pem'), stateDir: dir })).rejects.toThrow(`cannot read key ${join(dir, 'nope.pem')}: ENOENT`);
    await expect(loadOrCreateCertificate({ cert: certPath, key: otherKey, stateDir: dir })).rejects.toThrow(`the key does not match the certificate ${certPath}`);
    await expect(loadOrCreateCertificate({ cert: file('junk.pem', 'junk'), key: otherKey, stateDir: dir })).rejects.toThrow('is not a PEM certificate');
    const ok = await loadOrCreateCertificate({ cert: certPath, key: file('a-key.pem', a.key), stateDir: dir });
    expect(ok.source).toBe('files');
    expect(ok.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });
});
