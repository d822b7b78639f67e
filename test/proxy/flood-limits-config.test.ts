/**
 * `proxy.downstream.floodLimits` in the config file: a bad value names its field; a small PING cap
 * given there reaches the frame path of `h2race proxy` (run in-process through proxyMain), so a
 * raw client's 20 PINGs draw GOAWAY(ENHANCE_YOUR_CALM) — while the same 20 PINGs are all
 * answered by a proxy on the default caps.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile } from '../../config/load.js';
import { ErrorCode, FrameType, errorCodeName } from '../../h2/frame/constants.js';
import { DEFAULT_FLOOD_LIMITS } from '../../h2/proto/flood-guard.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { connectRaw, pingFrame } from '../helpers/raw-h2.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { startProxyCommand } from './proxy-command.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-flood-limits-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

let origin: DemoOrigin;
beforeAll(async () => {
  origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 } });
});
afterAll(async () => {
  await origin.close();
});

describe('proxy.downstream.floodLimits errors name the field', () => {
  const cases: Array<[string, RegExp]> = [
    ['pings: { perSecond: 1, burst: 0 }', /proxy\.downstream\.floodLimits\.pings\.burst: Too small: expected number to be >=1$/],
    ['pings: { burst: 5 }', /proxy\.downstream\.floodLimits\.pings\.perSecond: .*expected number/],
    ['pings: { perSecond: 1, burst: 5, refill: 2 }', /proxy\.downstream\.floodLimits\.pings: Unrecognized key: "refill"$/],
    ['pongs: { perSecond: 1, burst: 5 }', /proxy\.downstream\.floodLimits: Unrecognized key: "pongs"$/],
    ['maxContinuations: 2.5', /proxy\.downstream\.floodLimits\.maxContinuations: .*expected int\b/],
    ['maxHeaderBlockBytes: -1', /proxy\.downstream\.floodLimits\.maxHeaderBlockBytes: Too small/],
  ];
  it.each(cases)('%s', async (limits, message) => {
    const path = file('bad.yaml', `proxy:\n  downstream:\n    floodLimits: { ${limits} }\n`);
    const error = await loadConfigFile(path).then(() => undefined, (err: Error) => err);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message.startsWith(`${path}: `), error!.message).toBe(true);
    expect(error!.message).toMatch(message);
  });

  it('every FloodLimits field is taken', async () => {
    const fields = Object.entries(DEFAULT_FLOOD_LIMITS).map(([name, v]) => `      ${name}: ${typeof v === 'number' ? v : JSON.stringify(v)}`);
    const config = await loadConfigFile(file('all.yaml', `proxy:\n  downstream:\n    floodLimits:\n${fields.join('\n')}\n`));
    expect(config.proxy?.downstream?.floodLimits).toEqual(DEFAULT_FLOOD_LIMITS);
  });
});

describe('a PING cap from the config file', () => {
  /** Runs `h2race proxy --config <file>`, sends 20 PINGs at once, and reports what came back. */
  async function pingFlood(config: string): Promise<{ acks: number; goaway: string | undefined; closed: boolean }> {
    const { certPath, keyPath } = await testCert();
    const { stdout, stderr, stop, exit } = startProxyCommand({ config, cert: certPath, key: keyPath, 'state-dir': dir });
    try {
      await waitFor('the startup line', () => stdout.length > 0 || stderr.length > 0, 10_000);
      expect(stderr).toEqual([]);
      const port = Number(/^h2race proxy on https:\/\/127\.0\.0\.1:(\d+)/.exec(stdout[0]!)?.[1]);
      const client = await connectRaw({ port });
      try {
        await client.send(Buffer.concat(Array.from({ length: 20 }, (_, i) => pingFrame(i))));
        await client.waitFor(() => client.count(FrameType.PING) >= 20 || client.goaway !== undefined, 5000);
        const closed = client.goaway ? await client.waitForClose(5000) : false;
        return { acks: client.count(FrameType.PING), goaway: client.goaway && errorCodeName(client.goaway.errorCode), closed };
      } finally {
        client.close();
      }
    } finally {
      stop();
      expect(await exit).toBe(0);
    }
  }

  it('20 PINGs: GOAWAY(ENHANCE_YOUR_CALM) under { perSecond: 1, burst: 5 }, all answered under the defaults', async () => {
    const originLine = `proxy:\n  origin: ${origin.urls.h2c}\n`;
    const capped = await pingFlood(file('capped.yaml', `${originLine}  downstream:\n    floodLimits:\n      pings: { perSecond: 1, burst: 5 }\n`));
    expect(capped.goaway).toBe(errorCodeName(ErrorCode.ENHANCE_YOUR_CALM));
    expect(capped.closed).toBe(true);
    expect(capped.acks).toBeLessThanOrEqual(5);

    const defaults = await pingFlood(file('defaults.yaml', originLine));
    expect(DEFAULT_FLOOD_LIMITS.pings.burst).toBeGreaterThan(20);
    expect(defaults).toEqual({ acks: 20, goaway: undefined, closed: false });
  });
});
