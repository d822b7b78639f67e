/**
 * nghttpx as a peer reverse proxy: TLS h2 front, h2c to the origin, one worker (h2race is one
 * event loop; the comparison is per core).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcesses } from '../children.js';
import { freePort, waitForPort } from '../ports.js';
import type { Target } from '../target.js';

export interface PeerOptions {
  binary: string;
  children: ChildProcesses;
  /** Temp dir for generated configs. */
  dir: string;
  certFile: string;
  keyFile: string;
  /** The origin's h2c port. */
  upstreamPort: number;
}

export async function startNghttpx(options: PeerOptions): Promise<Target> {
  const port = await freePort();
  const configFile = join(options.dir, 'nghttpx.conf');
  await writeFile(
    configFile,
    [
      `frontend=127.0.0.1,${port}`,
      `backend=127.0.0.1,${options.upstreamPort};;proto=h2`,
      `private-key-file=${options.keyFile}`,
      `certificate-file=${options.certFile}`,
      'workers=1',
      'no-ocsp=yes',
      'no-via=yes',
      // Match h2race's and HAProxy's generous upstream windows so large downloads are not
      // throttled by nghttpx's 64 KiB default stream window.
      'backend-http2-window-size=16777215',
      'backend-http2-connection-window-size=1073741823',
      'frontend-http2-max-concurrent-streams=1000',
      'errorlog-syslog=no',
      'log-level=WARN',
      '',
    ].join('\n'),
  );
  const child = options.children.spawn('nghttpx', options.binary, [`--conf=${configFile}`]);
  await waitForPort(port, 5_000, () => child.process.exitCode === null).catch((error: Error) => {
    throw new Error(`nghttpx did not start: ${error.message}: ${child.output().trim()}`);
  });
  return { name: 'nghttpx', url: `https://127.0.0.1:${port}`, child };
}
