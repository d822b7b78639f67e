/**
 * Whose fault a failed stream is, from what the client saw — the question h2race exists to
 * answer is whether streams died that nobody cancelled on the client's connection, and a server
 * refusing a stream is a different answer from a stream killed by someone else's cancel.
 *
 * collateral — the stream died with its connection, or from bad bytes:
 *   - our own client reset it with an error code (node:http2 refused its frames);
 *   - its connection died while it was open: a GOAWAY with an error from either side, a session
 *     error, the socket closed.
 *   - the server reset it with PROTOCOL_ERROR or COMPRESSION_ERROR: our client sends only
 *     well-formed requests, so the server decoded something other than what was sent — its HPACK
 *     decoder out of step with our encoder (the desync symptom): wrong content.
 * origin — the server refused or failed this one stream, and the client's connection lived on:
 *   - an RST_STREAM the server sent with an error code (REFUSED_STREAM, INTERNAL_ERROR…);
 *   - a stream above the last-stream-id of a server GOAWAY: never processed (a browser retries it);
 *   - a gRPC call answered with a grpc-status other than OK;
 *   - a 4xx/5xx response: the origin's own, or h2race's answer (`x-h2race-error`) for an origin it
 *     could not reach, that refused or reset the stream, timed out — or whose connection died
 *     (`connection-lost`). That last one may take many streams at once, but it is the origin's
 *     connection, not the client's: it is named apart ('HTTP 502 from h2race (connection-lost)'),
 *     and counted with the origin errors, as is h2race's RST_STREAM(INTERNAL_ERROR) for a stream
 *     whose origin failed after its headers (the client cannot tell the two causes apart there;
 *     the proxy's stream log can). A server's own cancellation race shows on the client's
 *     connection: `scenario --target` straight at it.
 * A failure none of these explains counts as collateral: it is the damage the tool looks for,
 * and an unexplained one must not pass as the origin's.
 */
import { ErrorCode, errorCodeName } from '../h2/frame/constants.js';
import type { GoawayRecord, StreamFault, StreamRecord } from './types.js';

/** A server's reset codes that say it could not read what our client sent correctly. */
const MISREAD_CODES: ReadonlySet<number> = new Set([ErrorCode.PROTOCOL_ERROR, ErrorCode.COMPRESSION_ERROR]);
export const WRONG_CONTENT_REASON = 'wrong content';

export interface Attribution {
  fault: StreamFault;
  reason: string;
}

/** The lowest last-stream-id of the server GOAWAYs on each connection. */
export function serverGoawayLimits(goaways: readonly GoawayRecord[]): Map<number, number> {
  const limits = new Map<number, number>();
  for (const g of goaways) {
    if (g.side !== 'server') continue;
    limits.set(g.connection, Math.min(limits.get(g.connection) ?? Infinity, g.lastStreamId));
  }
  return limits;
}

/** `stream` failed and nobody on our side ended it; `lastProcessed`: its connection's server GOAWAY limit. */
export function attribute(stream: StreamRecord, lastProcessed: number | undefined): Attribution {
  const { reset, status, proxyError, connectionDeath } = stream;
  const unprocessed = lastProcessed !== undefined && stream.streamId !== undefined && stream.streamId > lastProcessed;
  // NO_ERROR ends a stream gracefully (a server done before the request was, RFC 9113 §8.1) and
  // CANCEL from our client is a stream we let go: neither is why a stream failed.
  const byError = reset !== undefined && reset.code !== ErrorCode.NO_ERROR && !(reset.side === 'client' && reset.code === ErrorCode.CANCEL);
  if (byError && reset.side === 'client') return { fault: 'collateral', reason: `client RST_STREAM ${errorCodeName(reset.code)}` };
  if (byError && reset.side === 'server' && MISREAD_CODES.has(reset.code)) {
    return { fault: 'collateral', reason: `${WRONG_CONTENT_REASON}: RST_STREAM ${errorCodeName(reset.code)} from server for a well-formed request` };
  }
  if (byError && reset.side === 'server') return { fault: 'origin', reason: `RST_STREAM ${errorCodeName(reset.code)} from server` };
  if (unprocessed) return { fault: 'origin', reason: `not processed (above server GOAWAY last-stream-id ${lastProcessed})` };
  if (connectionDeath !== undefined) return { fault: 'collateral', reason: connectionDeath };
  // A gRPC call the server answered with an error status (HTTP 200 and a grpc-status).
  if (stream.grpcStatus !== undefined && stream.grpcStatus !== 0) return { fault: 'origin', reason: `grpc-status ${stream.grpcStatus}` };
  if (status !== undefined && status >= 400) {
    return { fault: 'origin', reason: proxyError === undefined ? `HTTP ${status}` : `HTTP ${status} from h2race (${proxyError})` };
  }
  if (stream.rstCode !== undefined) return { fault: 'collateral', reason: `RST_STREAM ${errorCodeName(stream.rstCode)}` };
  return { fault: 'collateral', reason: stream.clientError ?? (status === undefined ? 'closed before response' : 'closed before end of body') };
}
