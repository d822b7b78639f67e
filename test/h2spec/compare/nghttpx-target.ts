/**
 * nghttpx (TLS h2 or h2c front) before a node:http2 h2c backend, as an h2spec target for
 * comparison runs only. nghttpx cannot listen on port 0 and say which port it got, so it gets a
 * port that was free a moment ago.
 */
import { spawn } from 'node:child_process';
import { freePort, waitForPort } from '../../../bench/ports.js';
import { testCert } from '../../helpers/tls-cert.js';
import type { H2specTarget } from '../run-case.js';
import { startNodeTarget } from './node-target.js';

export async function startNghttpxTarget(opts: { tls: boolean; binary?: string }): Promise<H2specTarget> {
  const backend = await startNodeTarget({ tls: false });
  const { certPath, keyPath } = await testCert();
  const port = await freePort();
  const args = [
    '--conf=/dev/null',
    `--frontend=127.0.0.1,${port}${opts.tls ? '' : ';no-tls'}`,
    `--backend=127.0.0.1,${backend.port};;proto=h2`,
    '--workers=1',
    '--no-ocsp',
    '--log-level=ERROR',
    ...(opts.tls ? [keyPath, certPath] : []),
  ];
  const child = spawn(opts.binary ?? 'nghttpx', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, 5_000, () => child.exitCode === null);
  } catch (err) {
    child.kill('SIGKILL');
    await backend.close();
    throw new Error(`nghttpx did not start: ${(err as Error).message}: ${output.trim()}`, { cause: err });
  }
  return {
    host: '127.0.0.1',
    port,
    tls: opts.tls,
    close: async () => {
      child.kill('SIGTERM');
      await exited;
      await backend.close();
    },
  };
}
