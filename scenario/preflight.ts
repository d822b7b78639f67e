/**
 * Before a run: can it test at all? One HTTP/2 connection to the target, then one request to each
 * path the viewers will use — the video must answer 200/206, the events path 200 with
 * `text/event-stream`, the small path 2xx. Anything else (the target down, TLS refused, not h2, a
 * 404, h2race's 502 for an origin it cannot reach) is a PreflightError naming the cause, instead
 * of a run whose every stream fails and reads as damage. Bodies are not fetched: each stream is
 * cancelled once its headers (or, for an error, the first line of its body) arrived.
 *
 * Lifecycle: each check opens its own session and destroys it before it returns.
 */
import http2 from 'node:http2';
import { errorCodeName } from '../h2/frame/constants.js';
import { openSession, type TargetOptions } from './client-session.js';
import { grpcFrame, grpcRequestHeaders, grpcStatus } from './grpc-wire.js';
import type { ScenarioPaths } from './viewer.js';

/** The target cannot be tested; the message is the cause, in one line. */
export class PreflightError extends Error {
  constructor(
    message: string,
    /** h2race's own failure name (`x-h2race-error`) when its proxy answered for an origin: tls, connect-refused… */
    readonly proxyError?: string,
  ) {
    super(message);
    this.name = 'PreflightError';
  }
}

/** Error bodies are read this far for their first line. */
const ERROR_BODY_BYTES = 300;

/**
 * Opens a session to `target` and waits for its SETTINGS: an unreachable target is one clear
 * error. Resolves with the round trip of a PING on it (ms; undefined if unanswered in time): a
 * shaped run reports it beside its preset's RTT.
 */
export async function probeConnection(target: TargetOptions, timeoutMs: number): Promise<number | undefined> {
  const session = await connect(target, timeoutMs);
  try {
    return await new Promise<number | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      session.ping((err, ms) => {
        clearTimeout(timer);
        resolve(err ? undefined : ms);
      });
    });
  } finally {
    session.destroy();
  }
}

/** Checks every path the run will request; throws a PreflightError naming all that fail. */
export async function preflight(target: TargetOptions, paths: ScenarioPaths, timeoutMs: number): Promise<void> {
  const session = await connect(target, timeoutMs);
  try {
    const problems = await Promise.all([
      check(session, { ':path': paths.video, range: 'bytes=0-' }, timeoutMs, (r) => r.status === 200 || r.status === 206, 'expected 200 or 206'),
      check(session, { ':path': paths.events, accept: 'text/event-stream' }, timeoutMs, (r) => r.status === 200, 'expected 200', eventStream),
      check(session, { ':path': paths.small }, timeoutMs, (r) => r.status >= 200 && r.status < 300, 'expected 2xx'),
    ]);
    const failed = problems.filter((p): p is Problem => p !== undefined);
    if (failed.length > 0) throw new PreflightError(describe(failed), failed.find((p) => p.proxyError)?.proxyError);
  } finally {
    session.destroy();
  }
}

/**
 * The gRPC run's check (`compare --grpc`): one call of `path` (a unary method that answers any
 * message) must end with HTTP 200 and grpc-status 0.
 */
export async function preflightGrpc(target: TargetOptions, path: string, timeoutMs: number): Promise<void> {
  const session = await connect(target, timeoutMs);
  try {
    const problem = await new Promise<string | undefined>((resolve) => {
      const stream = session.request(grpcRequestHeaders(path));
      let status: number | undefined;
      let grpc: number | undefined;
      let proxyError = '';
      const timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs);
      stream.on('error', () => {});
      stream.once('response', (h) => {
        status = Number(h[':status']);
        grpc = grpcStatus(h);
        if (typeof h['x-h2race-error'] === 'string') proxyError = ` from h2race (${h['x-h2race-error']})`;
      });
      stream.once('trailers', (t: http2.IncomingHttpHeaders) => (grpc = grpcStatus(t)));
      stream.resume();
      stream.once('close', () => {
        clearTimeout(timer);
        if (status === undefined) return resolve(`${stream.rstCode ? `RST_STREAM ${errorCodeName(stream.rstCode)}` : 'stream closed'} before a response`);
        if (status !== 200) return resolve(`HTTP ${status}${proxyError} (expected 200: is it a gRPC server?)`);
        resolve(grpc === 0 ? undefined : `grpc-status ${grpc ?? '(none)'} (expected 0: is it the demo service?)`);
      });
      stream.end(grpcFrame(Buffer.from('preflight')));
    });
    if (problem) throw new PreflightError(`gRPC call ${path}: ${problem}`);
  } finally {
    session.destroy();
  }
}

interface Head {
  status: number;
  contentType: string | undefined;
  proxyError: string | undefined;
}

interface Problem {
  path: string;
  /** What was wrong, without the path: 'HTTP 404: no route /live'. */
  text: string;
  proxyError?: string;
}

/** One line; paths that failed the same way share it ('GET /video, /events: HTTP 502 from h2race…'). */
function describe(problems: readonly Problem[]): string {
  const byText = new Map<string, string[]>();
  for (const p of problems) byText.set(p.text, [...(byText.get(p.text) ?? []), p.path]);
  return [...byText].map(([text, paths]) => `GET ${paths.join(', ')}: ${text}`).join('; ');
}

function eventStream(head: Head): string | undefined {
  const type = head.contentType ?? '';
  return /^text\/event-stream\b/i.test(type) ? undefined : `content-type ${type || '(none)'}, not text/event-stream`;
}

/** One GET: undefined when its head passes `ok` (and `more`), else what was wrong. */
function check(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  timeoutMs: number,
  ok: (head: Head) => boolean,
  expected: string,
  more?: (head: Head) => string | undefined,
): Promise<Problem | undefined> {
  const path = String(headers[':path']);
  return new Promise((resolve) => {
    const stream = session.request({ ':method': 'GET', ...headers });
    let head: Head | undefined;
    let body = '';
    let settled = false;
    const timer = setTimeout(() => finish({ path, text: `no ${head ? 'body' : 'response'} within ${timeoutMs} ms` }), timeoutMs);
    const finish = (problem: Problem | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_CANCEL);
      resolve(problem);
    };
    const failure = (h: Head): Problem => {
      const from = h.proxyError === undefined ? '' : ` from h2race (${h.proxyError})`;
      const line = body.split('\n')[0]!.replace(/^h2race: /, '').trim();
      // A 4xx/5xx says itself what is wrong; a 204 or a 302 needs saying what was expected.
      const want = h.status < 400 ? ` (${expected})` : '';
      return { path, text: `HTTP ${h.status}${from}${line ? `: ${line}` : ''}${want}`, proxyError: h.proxyError };
    };
    stream.on('error', () => {});
    stream.once('response', (h) => {
      const proxyError = h['x-h2race-error'];
      head = { status: Number(h[':status']), contentType: h['content-type'], proxyError: typeof proxyError === 'string' ? proxyError : undefined };
      if (ok(head)) {
        const wrong = more?.(head);
        return finish(wrong === undefined ? undefined : { path, text: wrong });
      }
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        body += chunk;
        if (body.length >= ERROR_BODY_BYTES) finish(failure(head!));
      });
    });
    stream.once('close', () => {
      if (head) return finish(failure(head));
      const code = stream.rstCode;
      finish({ path, text: `${code ? `RST_STREAM ${errorCodeName(code)}` : 'stream closed'} before a response` });
    });
  });
}

function connect(target: TargetOptions, timeoutMs: number): Promise<http2.ClientHttp2Session> {
  const session = openSession(target);
  const where = target.via ? `target ${target.url} (through the --profile relay)` : `target ${target.url}`;
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => {
      clearTimeout(timer);
      session.destroy();
      reject(new PreflightError(message));
    };
    const timer = setTimeout(() => fail(`${where}: no HTTP/2 connection within ${timeoutMs} ms`), timeoutMs);
    session.once('remoteSettings', () => {
      clearTimeout(timer);
      session.removeAllListeners('close');
      resolve(session);
    });
    session.on('error', (err: NodeJS.ErrnoException) => fail(`${where}: ${err.code ?? err.message}${err.code ? ` (${err.message})` : ''}`));
    session.once('close', () => fail(`${where}: connection closed before HTTP/2 SETTINGS (does it speak h2?)`));
  });
}
