/**
 * Uploads whose body comes back (the echo route) and is compared with what was sent: cancelled
 * mid-body (RST_STREAM(CANCEL) with DATA in flight: what leaks a careless receiver's connection
 * window), or completed and checked byte for byte, request trailers included. A completed upload
 * that cannot send stalls its echo, which the connection's stall watch finds.
 *
 * Lifecycle: each upload is one stream on the viewer's connection; its close ends it.
 */
import { createHash } from 'node:crypto';
import type http2 from 'node:http2';
import type { RunRecorder } from './recorder.js';
import type { ViewerConnection } from './viewer-connection.js';
import type { RepeatingTimers } from './repeating-timers.js';

const PIECE = 16 * 1024;

export interface UploadPlan {
  path: string;
  body: Buffer;
  /** Reset the upload this long after it started (undefined: send it all and check the echo). */
  cancelAfterMs?: number;
  /** Request trailers, expected back as response trailers. */
  trailers?: Record<string, string>;
}

/** Starts the upload; the stream is returned for its 'close'. */
export function upload(conn: ViewerConnection, recorder: RunRecorder, plan: UploadPlan, timers: Pick<RepeatingTimers, 'once'>): http2.ClientHttp2Stream {
  const { stream, record } = conn.request('upload', { ':method': 'POST', ':path': plan.path, 'content-type': 'application/octet-stream' }, undefined, {
    endStream: false,
    waitForTrailers: plan.trailers !== undefined,
  });
  if (plan.trailers) stream.once('wantTrailers', () => stream.sendTrailers(plan.trailers!));
  // Written piece by piece as the stream drains: a stalled connection window holds the rest here.
  let offset = 0;
  const pump = (): void => {
    while (offset < plan.body.length && !stream.destroyed) {
      const piece = plan.body.subarray(offset, offset + PIECE);
      offset += piece.length;
      if (offset >= plan.body.length) stream.end(piece);
      else if (!stream.write(piece)) return void stream.once('drain', pump);
    }
  };
  pump();
  if (plan.cancelAfterMs !== undefined) {
    timers.once(plan.cancelAfterMs, () => recorder.cancel(stream, record));
    stream.resume();
    return stream;
  }
  const hash = createHash('sha256');
  let received = 0;
  let trailersBack: Record<string, unknown> = {};
  stream.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    received += chunk.length;
  });
  stream.once('trailers', (t: http2.IncomingHttpHeaders) => (trailersBack = t));
  // After the recorder's own close handler: only a completed echo is compared.
  stream.once('close', () => {
    if (record.outcome !== 'completed' || record.status !== 200) return;
    if (received !== plan.body.length || hash.digest('hex') !== createHash('sha256').update(plan.body).digest('hex')) {
      return recorder.noteWrongContent(record, `upload of ${plan.body.length} bytes echoed back as ${received} bytes that differ`);
    }
    for (const [name, sent] of Object.entries(plan.trailers ?? {})) {
      if (trailersBack[name] !== sent) return recorder.noteWrongContent(record, `trailer ${name}: sent ${JSON.stringify(sent)}, echoed ${JSON.stringify(trailersBack[name] ?? null)}`);
    }
  });
  return stream;
}
