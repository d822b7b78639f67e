/**
 * scenario/fault.ts's rules one by one, on stream records as a run writes them (the runs in
 * verdicts.test.ts, scenario.test.ts, compare.test.ts and shape.test.ts meet them over real
 * sockets; the rarer ones — a stream our client reset for a bad frame, a stream above a GOAWAY's
 * last-stream-id, a graceful RST_STREAM(NO_ERROR) — are pinned here).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import { attribute, serverGoawayLimits, type Attribution } from '../../scenario/fault.js';
import type { StreamRecord } from '../../scenario/types.js';

function failed(fields: Partial<StreamRecord>): StreamRecord {
  return { seq: 1, viewer: 1, connection: 1, streamId: 9, kind: 'video', path: '/video', startMs: 0, bytes: 0, cancelledByUs: false, corruptBytes: 0, outcome: 'failed', ...fields };
}

const cases: [string, Partial<StreamRecord>, number | undefined, Attribution][] = [
  ['our client refused its frames', { reset: { side: 'client', code: ErrorCode.PROTOCOL_ERROR }, rstCode: ErrorCode.PROTOCOL_ERROR }, undefined,
    { fault: 'collateral', reason: 'client RST_STREAM PROTOCOL_ERROR' }],
  ['the server refused it', { reset: { side: 'server', code: ErrorCode.REFUSED_STREAM }, rstCode: ErrorCode.REFUSED_STREAM }, undefined,
    { fault: 'origin', reason: 'RST_STREAM REFUSED_STREAM from server' }],
  ['the server reset it, then the connection died', { reset: { side: 'server', code: ErrorCode.INTERNAL_ERROR }, connectionDeath: 'connection closed' }, undefined,
    { fault: 'origin', reason: 'RST_STREAM INTERNAL_ERROR from server' }],
  ['it died with its connection', { connectionDeath: 'client GOAWAY FRAME_SIZE_ERROR', status: 206 }, undefined,
    { fault: 'collateral', reason: 'client GOAWAY FRAME_SIZE_ERROR' }],
  ['a server GOAWAY never processed it', { connectionDeath: 'server GOAWAY PROTOCOL_ERROR', streamId: 9, rstCode: ErrorCode.REFUSED_STREAM }, 7,
    { fault: 'origin', reason: 'not processed (above server GOAWAY last-stream-id 7)' }],
  ['a server GOAWAY processed it, then the connection died', { connectionDeath: 'server GOAWAY PROTOCOL_ERROR', streamId: 7 }, 7,
    { fault: 'collateral', reason: 'server GOAWAY PROTOCOL_ERROR' }],
  ["the origin's 404", { status: 404 }, undefined, { fault: 'origin', reason: 'HTTP 404' }],
  ["h2race's 502 for a lost origin connection", { status: 502, proxyError: 'connection-lost' }, undefined,
    { fault: 'origin', reason: 'HTTP 502 from h2race (connection-lost)' }],
  ['a 503 ended gracefully with RST_STREAM(NO_ERROR)', { status: 503, reset: { side: 'server', code: ErrorCode.NO_ERROR } }, undefined,
    { fault: 'origin', reason: 'HTTP 503' }],
  ['a reset no frame on the wire explains', { rstCode: ErrorCode.INTERNAL_ERROR, status: 206 }, undefined,
    { fault: 'collateral', reason: 'RST_STREAM INTERNAL_ERROR' }],
  ['nothing explains it', { status: 206, clientError: 'ERR_HTTP2_STREAM_ERROR' }, undefined, { fault: 'collateral', reason: 'ERR_HTTP2_STREAM_ERROR' }],
];

describe('whose fault a failed stream is', () => {
  it.each(cases)('%s', (_name, fields, lastProcessed, expected) => {
    expect(attribute(failed(fields), lastProcessed)).toEqual(expected);
  });

  it("a connection's limit is the lowest last-stream-id of its server GOAWAYs; client GOAWAYs do not count", () => {
    const limits = serverGoawayLimits([
      { connection: 1, side: 'server', code: 0, lastStreamId: 21, atMs: 1 },
      { connection: 1, side: 'server', code: 2, lastStreamId: 13, atMs: 2 },
      { connection: 2, side: 'client', code: 1, lastStreamId: 0, atMs: 3 },
    ]);
    expect([...limits]).toEqual([[1, 13]]);
  });
});
