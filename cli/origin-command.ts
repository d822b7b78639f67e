/**
 * `h2race origin`: the embedded demo origin on the listeners asked for (all three on ephemeral
 * ports when none is given); runs until SIGINT/SIGTERM.
 */
import { readFileSync } from 'node:fs';
import { untilSignal } from './signals.js';
import type { CommandModule } from 'yargs';
import pino from 'pino';
import { parseListenAddress, startDemoOrigin } from '../origin/demo-origin.js';

interface OriginArgs {
  tls?: string;
  h2c?: string;
  http?: string;
  cert?: string;
  key?: string;
  'video-size'?: number;
  'video-file'?: string;
}

export const originCommand: CommandModule<object, OriginArgs> = {
  command: 'origin',
  describe: 'run the embedded demo origin (/video, /events, /small, /echo, demo page /)',
  builder: (y) =>
    y
      .option('tls', { type: 'string', describe: 'HTTP/2 over TLS (+HTTP/1.1 via ALPN) listener, host:port' })
      .option('h2c', { type: 'string', describe: 'cleartext HTTP/2 (prior knowledge) listener, host:port' })
      .option('http', { type: 'string', describe: 'HTTP/1.1 listener, host:port' })
      .option('cert', { type: 'string', describe: 'PEM certificate for --tls (self-signed when absent)' })
      .option('key', { type: 'string', describe: 'PEM private key for --cert' })
      .option('video-size', { type: 'number', describe: 'bytes of /video when the request gives no ?size=' })
      .option('video-file', { type: 'string', describe: 'a real media file served at /video.mp4 and by the demo page' })
      .check((a) => {
        if ((a.cert === undefined) !== (a.key === undefined)) throw new Error('--cert and --key go together');
        return true;
      }),
  handler: async (args) => {
    const logger = pino({ name: 'h2race-origin' });
    const pem = (path: string, field: string): string => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        throw new Error(`${field}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
      }
    };
    const origin = await startDemoOrigin({
      tls: args.tls === undefined ? undefined : parseListenAddress(args.tls, '--tls'),
      h2c: args.h2c === undefined ? undefined : parseListenAddress(args.h2c, '--h2c'),
      http: args.http === undefined ? undefined : parseListenAddress(args.http, '--http'),
      cert: args.cert && args.key ? { cert: pem(args.cert, '--cert'), key: pem(args.key, '--key') } : undefined,
      videoSize: args['video-size'],
      videoFile: args['video-file'],
      logger,
    });
    const stopped = untilSignal();
    for (const [kind, url] of Object.entries(origin.urls)) process.stdout.write(`${kind.padEnd(5)} ${url}\n`);
    if (origin.cert) {
      process.stdout.write(`certificate SHA-256 ${origin.cert.fingerprint}\n`);
    }
    await stopped;
    await origin.close();
  },
};
