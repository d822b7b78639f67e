/**
 * `h2race proxies` / `h2race toxic` as real processes against a live Toxiproxy API (h2race's, in
 * the test): a request the API refuses fails with the API's own message (its JSON body's `error`)
 * and status in one stderr line, exit 1; an API that is not there is named with the reason.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../cli/exit-codes.js';
import { ensureCliBuilt } from '../hostile/proxy-process.js';
import { startTestApi, type TestApi } from '../toxiproxy/harness.js';
import { runCliProcess } from './run-cli.js';

let dir: string;
let t: TestApi;
beforeAll(async () => {
  ensureCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'h2race-api-errors-'));
  t = await startTestApi();
  await t.client.createProxy({ name: 'cache', listen: '127.0.0.1:0', upstream: '127.0.0.1:9' });
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const h2race = (...args: string[]) => runCliProcess([...args, '--host', t.url], dir);

describe('API errors: the API\'s own message and status, one line, exit 1', () => {
  it('409: the proxy already exists', async () => {
    const run = await h2race('proxies', 'create', 'cache', '--upstream', '127.0.0.1:9');
    expect(run).toEqual({ code: ExitCode.Failed, stdout: [], stderr: ['h2race proxies create: Failed to create proxy cache: proxy already exists (HTTP 409)'] });
  });

  it('404: no such proxy', async () => {
    const run = await h2race('toxic', 'add', 'ghost', '-t', 'latency');
    expect(run).toEqual({ code: ExitCode.Failed, stdout: [], stderr: ['h2race toxic add: Failed to add toxic to ghost: proxy not found (HTTP 404)'] });
  });

  it('400: a body the API refuses, with its reason', async () => {
    const run = await h2race('toxic', 'add', 'cache', '-t', 'latency', '-a', 'latency=soon');
    expect(run.code).toBe(ExitCode.Failed);
    expect(run.stdout).toEqual([]);
    expect(run.stderr).toEqual([
      'h2race toxic add: Failed to add toxic to cache: bad request body: json: cannot unmarshal string into Go struct field ToxicWrapper.attributes.latency of type float64 (HTTP 400)',
    ]);
  });

  it('409 on a toxic: the second add of the same name', async () => {
    const first = await h2race('toxic', 'add', 'cache', '-t', 'latency', '-n', 'slow', '-a', 'latency=100');
    expect(first).toEqual({ code: ExitCode.Ok, stdout: ["Added downstream latency toxic 'slow' on proxy 'cache'"], stderr: [] });
    const again = await h2race('toxic', 'add', 'cache', '-t', 'latency', '-n', 'slow');
    expect(again).toEqual({ code: ExitCode.Failed, stdout: [], stderr: ['h2race toxic add: Failed to add toxic to cache: toxic already exists (HTTP 409)'] });
  });

  it('an API that is not listening is named, with the reason', async () => {
    // A port that was free a moment ago: bound, then closed.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const run = await runCliProcess(['proxies', 'list', '--host', `http://127.0.0.1:${port}`], dir);
    expect(run).toEqual({
      code: ExitCode.Failed,
      stdout: [],
      stderr: [`h2race proxies list: Failed to list proxies: cannot reach the Toxiproxy API at http://127.0.0.1:${port} (ECONNREFUSED)`],
    });
  });
});
