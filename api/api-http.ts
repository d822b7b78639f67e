/**
 * The HTTP plumbing under the Toxiproxy API, shaped like Go's net/http + gorilla/mux as Toxiproxy
 * uses them:
 *
 *   request ─▶ route? (404 / 405) ─▶ Mozilla UA? (403) ─▶ handler (25 s, else 503) ─▶ reply
 *
 * As Toxiproxy's http.Server (ReadTimeout 15 s, IdleTimeout 60 s, set in api-server.ts): a body
 * still arriving 15 s after the request came is a 400 `bad request body: read tcp …: i/o timeout`,
 * and the connection closes after that reply.
 *
 * Every response carries X-Toxiproxy-Request-Id. Errors are `{"error":…,"status":…}\n` sent as
 * text/plain, as Go's http.Error sends them. Bodies are read bounded and decoded like Go's
 * json.Decoder.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ApiError, ErrBadRequestBody } from './api-error.js';
import { decodeGoJson } from './go-json.js';
import { formatAddress } from './listen-address.js';

/** Larger bodies are refused before they are read whole (Toxiproxy has no limit; we want one). */
const MAX_BODY_BYTES = 1 << 20;
/** Toxiproxy wraps every handler in http.TimeoutHandler(25 s). */
export const HANDLER_TIMEOUT_MS = 25_000;
/** Toxiproxy's http.Server ReadTimeout: headers and body must arrive within 15 s. */
export const READ_TIMEOUT_MS = 15_000;

export interface HandleLimits {
  handlerTimeoutMs: number;
  readTimeoutMs: number;
}

/** Each request's read deadline: set by handle(), kept by readJson(), which marks it when missed. */
interface ReadDeadline {
  at: number;
  missed: boolean;
}
const readDeadlines = new WeakMap<IncomingMessage, ReadDeadline>();

export interface Reply {
  status: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (req: IncomingMessage, params: string[]) => Promise<Reply>;
export interface Route {
  pattern: RegExp;
  methods: Record<string, Handler>;
}

export async function handle(routes: Route[], req: IncomingMessage, res: ServerResponse, logger: Logger, limits: HandleLimits): Promise<void> {
  const requestId = xid();
  res.setHeader('X-Toxiproxy-Request-Id', requestId);
  const started = Date.now();
  const readDeadline = { at: performance.now() + limits.readTimeoutMs, missed: false };
  readDeadlines.set(req, readDeadline);
  const reply = await dispatch(routes, req, limits.handlerTimeoutMs);
  // Go will not read what is left of a body past its read deadline as the next request.
  if (readDeadline.missed) res.setHeader('Connection', 'close');
  if (reply.contentType) res.setHeader('Content-Type', reply.contentType);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.body !== undefined) res.setHeader('Content-Length', Buffer.byteLength(reply.body));
  res.writeHead(reply.status).end(reply.body);
  logger.debug(
    { request_id: requestId, method: req.method, url: req.url, status: reply.status, ms: Date.now() - started },
    'api request',
  );
}

async function dispatch(routes: Route[], req: IncomingMessage, handlerTimeoutMs: number): Promise<Reply> {
  const path = (req.url ?? '/').split('?')[0]!;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m) continue;
    const handler = route.methods[req.method ?? ''];
    if (!handler) {
      req.resume();
      return { status: 405 };
    }
    if ((req.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      req.resume();
      return plainError('User agent not allowed', 403);
    }
    let params: string[];
    try {
      params = m.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      break;
    }
    return withTimeout(handler(req, params).catch((err: unknown) => errorReply(ApiError.from(err))), handlerTimeoutMs);
  }
  req.resume();
  return plainError('404 page not found', 404);
}

/**
 * Go's http.TimeoutHandler with an empty message answers 503 with this page. As there, the
 * handler is not cancelled; only its reply is lost.
 */
function withTimeout(p: Promise<Reply>, ms: number): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Reply>((resolve) => {
    timer = setTimeout(
      () => resolve({ status: 503, contentType: 'text/html; charset=utf-8', body: '<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>' }),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Go's http.Error: text/plain, nosniff, the text and a newline. */
function plainError(text: string, status: number): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', headers: { 'X-Content-Type-Options': 'nosniff' }, body: `${text}\n` };
}

function errorReply(err: ApiError): Reply {
  return plainError(JSON.stringify(err), err.status);
}

export function json(value: unknown, status = 200): Reply {
  return { status, contentType: 'application/json', body: JSON.stringify(value) };
}

export const noContent: Reply = { status: 204 };

/**
 * Read the body and decode it like Go's json.Decoder; a bad one is a 400. A body over the limit is
 * refused as soon as it is known to be (Content-Length, or the bytes read so far); the rest is
 * drained so the answer still reaches the client.
 */
export function readJson(req: IncomingMessage): Promise<unknown> {
  const tooLarge = () => new ApiError(`request body too large (limit ${MAX_BODY_BYTES} bytes)`, 413);
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    const deadline = readDeadlines.get(req);
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            deadline.missed = true;
            chunks.length = 0;
            reject(ApiError.join(ErrBadRequestBody, `read tcp ${socketAddresses(req)}: i/o timeout`));
          }, Math.max(0, deadline.at - performance.now()));
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (timedOut) return;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        reject(tooLarge());
      } else chunks.push(chunk);
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.once('end', () => {
      clearTimeout(timer);
      if (size > MAX_BODY_BYTES || timedOut) return;
      const decoded = decodeGoJson(Buffer.concat(chunks).toString('utf8'));
      if (decoded.ok) resolve(decoded.value);
      else reject(ApiError.join(ErrBadRequestBody, decoded.error));
    });
  });
}

/** `local->remote` as Go's net.OpError names a server connection. */
function socketAddresses(req: IncomingMessage): string {
  const { socket } = req;
  const remote = { address: socket.remoteAddress ?? '', family: socket.remoteFamily ?? 'IPv4', port: socket.remotePort ?? 0 };
  return `${formatAddress(socket.address() as AddressInfo)}->${formatAddress(remote)}`;
}

/** A 20-character request id in the shape of the xid Toxiproxy's zerolog handler makes. */
function xid(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}
