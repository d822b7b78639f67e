/**
 * The application the engine tests serve, by path:
 *   /echo       echoes the request body as it arrives (credit returned as the echo drains: the
 *               upload is paced by the download), then trailers x-sha256 / x-bytes of what it got,
 *               and x-got-<name> for each request trailer
 *   /bytes/N    N bytes of a fixed pattern (byte i = i mod 251), with content-length
 *   /hold       response head, then nothing until the client resets the stream
 *   /continue   answers `expect: 100-continue` with 100, then like /echo
 *   anything else: 200 "ok"
 * Every stream's end is recorded, for tests that check what the server saw.
 */
import { createHash } from 'node:crypto';
import type { ServerHandler } from '../../h2/proto/connection-options.js';
import type { RequestHead } from '../../h2/proto/header-validation.js';
import type { ResetCause, ServerStream, StreamHandler } from '../../h2/proto/stream.js';

export interface StreamRecord {
  id: number;
  path: string;
  ended: boolean;
  reset?: { code: number; cause: ResetCause };
}

export interface TestApp extends ServerHandler {
  readonly streams: StreamRecord[];
}

export function patternBytes(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

export function createTestApp(): TestApp {
  const streams: StreamRecord[] = [];
  return {
    streams,
    onStream(stream, head) {
      const record: StreamRecord = { id: stream.id, path: head.path, ended: false };
      streams.push(record);
      const recorded = (handler: StreamHandler): StreamHandler => ({
        ...handler,
        onEnd() {
          record.ended = true;
          handler.onEnd?.();
        },
        onReset(code, cause) {
          record.reset = { code, cause };
          handler.onReset?.(code, cause);
        },
      });
      if (head.path === '/echo') return recorded(echo(stream));
      if (head.path === '/continue') {
        if (fieldValue(head, 'expect') === '100-continue') stream.respond(100);
        return recorded(echo(stream));
      }
      if (head.path === '/hold') {
        stream.respond(200, ['content-type', 'application/octet-stream']);
        stream.write(Buffer.from('held'));
        return recorded({});
      }
      const bytes = /^\/bytes\/(\d+)$/.exec(head.path);
      return recorded({
        onData: (chunk) => stream.consumed(chunk.length),
        onEnd() {
          if (bytes) {
            const n = Number(bytes[1]);
            stream.respond(200, ['content-length', String(n)]);
            stream.write(patternBytes(n));
            stream.end();
          } else {
            stream.respond(200, ['content-type', 'text/plain']);
            stream.write(Buffer.from('ok'));
            stream.end();
          }
        },
      });
    },
  };
}

function fieldValue(head: RequestHead, name: string): string | undefined {
  for (let i = 0; i < head.fields.length; i += 2) if (head.fields[i] === name) return head.fields[i + 1];
  return undefined;
}

function echo(stream: ServerStream): StreamHandler {
  const hash = createHash('sha256');
  let bytes = 0;
  let owed = 0;
  let trailers: string[] = [];
  stream.respond(200, ['content-type', 'application/octet-stream']);
  return {
    onData(chunk) {
      hash.update(chunk);
      bytes += chunk.length;
      owed += chunk.length;
      if (stream.write(chunk)) {
        stream.consumed(owed);
        owed = 0;
      }
    },
    onDrain() {
      stream.consumed(owed);
      owed = 0;
    },
    onTrailers(fields) {
      for (let i = 0; i < fields.length; i += 2) trailers.push(`x-got-${fields[i]}`, fields[i + 1]!);
    },
    onEnd() {
      stream.end(['x-sha256', hash.digest('hex'), 'x-bytes', String(bytes), ...trailers]);
      trailers = [];
    },
  };
}
