/**
 * HAProxy as a peer reverse proxy: TLS h2 front, h2c to the origin, one thread (h2race is one
 * event loop; the comparison is per core).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, waitForPort } from '../ports.js';
import type { Target } from '../target.js';
import type { PeerOptions } from './nghttpx.js';

export async function startHaproxy(options: PeerOptions): Promise<Target> {
  const port = await freePort();
  // HAProxy wants certificate and key in one PEM.
  const pemFile = join(options.dir, 'haproxy.pem');
  const pems = await Promise.all([readFile(options.certFile, 'utf8'), readFile(options.keyFile, 'utf8')]);
  await writeFile(pemFile, pems.map((pem) => pem.trim() + '\n').join(''), { mode: 0o600 });
  const configFile = join(options.dir, 'haproxy.cfg');
  await writeFile(
    configFile,
    [
      'global',
      '  nbthread 1',
      '  maxconn 4096',
      '  tune.h2.initial-window-size 16777215',
      'defaults',
      '  mode http',
      '  timeout connect 5s',
      '  timeout client 60s',
      '  timeout server 60s',
      'frontend front',
      `  bind 127.0.0.1:${port} ssl crt ${pemFile} alpn h2`,
      '  default_backend origin',
      'backend origin',
      `  server origin 127.0.0.1:${options.upstreamPort} proto h2`,
      '',
    ].join('\n'),
  );
  // -db: stay in the foreground, so the process group we kill is HAProxy itself.
  const child = options.children.spawn('haproxy', options.binary, ['-db', '-f', configFile]);
  await waitForPort(port, 5_000, () => child.process.exitCode === null).catch((error: Error) => {
    throw new Error(`haproxy did not start: ${error.message}: ${child.output().trim()}`);
  });
  return { name: 'haproxy', url: `https://127.0.0.1:${port}`, child };
}
