/**
 * `h2race origin`: the embedded demo origin on the listeners asked for (all three on ephemeral
 * ports when none is given); runs until SIGINT/SIGTERM. Its URLs go to stdout, its log to stderr.
 */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { parseListenAddress, startDemoOrigin } from '../origin/demo-origin.js';
import { readableFiles, together } from './flag-rules.js';
import { stderrLogger } from './logger.js';
import { numberFlags } from './number-flags.js';
import { untilSignal } from './signals.js';
import { UsageError } from './usage-error.js';

interface OriginArgs {
  tls?: string;
  h2c?: string;
  http?: string;
  cert?: string;
  key?: string;
  'video-size'?: number;
  'video-file'?: string;
}

const LISTENERS = ['tls', 'h2c', 'http'] as const;

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
      .options(numberFlags({ 'video-size': { integer: true, min: 0, describe: 'bytes of /video when the request gives no ?size=' } }))
      .option('video-file', { type: 'string', describe: 'a real media file served at /video.mp4 and by the demo page' })
      .check((a) => {
        together(a, 'cert', 'key');
        readableFiles(a, ['cert', 'key', 'video-file']);
        for (const name of LISTENERS) listenAddress(a, name);
        return true;
      }),
  handler: async (args) => {
    const origin = await startDemoOrigin({
      tls: listenAddress(args, 'tls'),
      h2c: listenAddress(args, 'h2c'),
      http: listenAddress(args, 'http'),
      cert: args.cert && args.key ? { cert: readFileSync(args.cert, 'utf8'), key: readFileSync(args.key, 'utf8') } : undefined,
      videoSize: args['video-size'],
      videoFile: args['video-file'],
      logger: stderrLogger('h2race-origin', 'info'),
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

function listenAddress(args: OriginArgs, name: (typeof LISTENERS)[number]): ReturnType<typeof parseListenAddress> | undefined {
  const value = args[name];
  if (value === undefined) return undefined;
  try {
    return parseListenAddress(value, `--${name}`);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
