/**
 * Requests whose header values come back in the body (the `/headers` route: the request's fields
 * as JSON) and are compared with what was sent: a value that differs reached the server changed
 * — a decoder out of step with our encoder (the HPACK desync symptom) — and counts as wrong content.
 *
 * Lifecycle: each request is one stream on the viewer's connection; its close ends the check.
 */
import type http2 from 'node:http2';
import type { RunRecorder } from './recorder.js';
import type { StreamKind } from './types.js';
import type { ViewerConnection } from './viewer-connection.js';

/** Fields (lowercase `x-` names) sent and expected back; `kind` is 'burst' or 'headers'. The stream is returned for its 'close'. */
export function requestHeaderEcho(conn: ViewerConnection, recorder: RunRecorder, path: string, kind: StreamKind, fields: Record<string, string>): http2.ClientHttp2Stream {
  const { stream, record } = conn.request(kind, { ':path': path, ...fields });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  // After the recorder's own close handler: only a completed echo is compared.
  stream.once('close', () => {
    if (record.outcome !== 'completed' || record.status !== 200) return;
    let echoed: Record<string, unknown>;
    try {
      echoed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      return recorder.noteWrongContent(record, `${path} answered a body that is not the JSON of its request headers`);
    }
    for (const [name, sent] of Object.entries(fields)) {
      if (echoed[name] !== sent) return recorder.noteWrongContent(record, `header ${name}: sent ${JSON.stringify(sent)}, the server saw ${JSON.stringify(echoed[name] ?? null)}`);
    }
  });
  return stream;
}
