/**
 * Malformed responses from a raw server: each breaks one rule of RFC 9113 and gets the client's
 * answer for it — a stream error (RST_STREAM, the handler hears 'protocol', the connection goes
 * on) or a connection error (GOAWAY, every stream hears 'connection'). And the server's GOAWAYs,
 * scripted frame by frame: which streams end "unprocessed" and which finish.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType } from '../../../h2/frame/constants.js';
import { dataFrame, encodeDynamicIndex, encodeHeaderBlock, encodeIndexedLiteral, frame, goawayFrame, headersFrame, type HeaderList } from '../../helpers/raw-h2.js';
import { waitFor } from '../../helpers/wait.js';
import { exchange } from './engine-client.js';
import { rawPeersAfterEach } from './raw-peers.js';

const peers = rawPeersAfterEach();

const head = (streamId: number, list: HeaderList, endStream = false): Buffer => headersFrame(streamId, encodeHeaderBlock(list), { endStream });
const ok = (streamId: number): Buffer => Buffer.concat([head(streamId, [[':status', '200']]), dataFrame(streamId, Buffer.from('ok'), true)]);

interface Case {
  name: string;
  answer(streamId: number): Buffer;
  /** What the client's onStreamError (stream errors) or onError (connection errors) says. */
  reason: RegExp;
  code?: number;
}

const streamErrors: Case[] = [
  { name: 'no :status', answer: (id) => head(id, [['content-type', 'text/plain']], true), reason: /missing :status/ },
  { name: 'a request pseudo-header', answer: (id) => head(id, [[':status', '200'], [':path', '/']], true), reason: /pseudo-header :path not allowed in a response/ },
  { name: 'a pseudo-header after a regular field', answer: (id) => head(id, [['x-a', '1'], [':status', '200']], true), reason: /pseudo-header :status among regular fields/ },
  { name: 'an invalid :status', answer: (id) => head(id, [[':status', '20x']], true), reason: /invalid :status/ },
  { name: 'an uppercase field name', answer: (id) => head(id, [[':status', '200'], ['X-Up', '1']], true), reason: /uppercase in field name/ },
  { name: 'a connection-specific field', answer: (id) => head(id, [[':status', '200'], ['connection', 'keep-alive']], true), reason: /connection-specific field connection/ },
  { name: '101 Switching Protocols', answer: (id) => head(id, [[':status', '101']]), reason: /101/ },
  { name: 'a 1xx head with END_STREAM', answer: (id) => head(id, [[':status', '103']], true), reason: /103 response with END_STREAM/ },
  { name: 'DATA before the response head', answer: (id) => dataFrame(id, Buffer.from('early'), true), reason: /DATA before the response head/ },
  {
    name: 'less DATA than content-length',
    answer: (id) => Buffer.concat([head(id, [[':status', '200'], ['content-length', '10']]), dataFrame(id, Buffer.from('12345'), true)]),
    reason: /5 bytes of DATA, content-length 10/,
  },
  {
    name: 'more DATA than content-length',
    answer: (id) => Buffer.concat([head(id, [[':status', '200'], ['content-length', '3']]), dataFrame(id, Buffer.from('12345'), true)]),
    reason: /more DATA than content-length 3/,
  },
  { name: 'content-length with END_STREAM on HEADERS', answer: (id) => head(id, [[':status', '200'], ['content-length', '3']], true), reason: /content-length 3 with END_STREAM/ },
  {
    name: 'trailers with a pseudo-header',
    answer: (id) => Buffer.concat([head(id, [[':status', '200']]), dataFrame(id, Buffer.from('x')), head(id, [[':status', '200']], true)]),
    reason: /pseudo-header :status among regular fields/,
  },
  {
    name: 'trailers without END_STREAM',
    answer: (id) => Buffer.concat([head(id, [[':status', '200']]), head(id, [['x-t', '1']], false)]),
    reason: /trailers without END_STREAM/,
  },
];

const connectionErrors: Case[] = [
  {
    name: 'PUSH_PROMISE (we sent ENABLE_PUSH 0)',
    answer: (id) => frame(FrameType.PUSH_PROMISE, FrameFlag.END_HEADERS, id, Buffer.concat([Buffer.from([0, 0, 0, 2]), encodeHeaderBlock([[':method', 'GET']])])),
    reason: /PUSH_PROMISE is not allowed/,
    code: ErrorCode.PROTOCOL_ERROR,
  },
  { name: 'HEADERS on an even (pushed) stream', answer: () => head(2, [[':status', '200']], true), reason: /even-numbered stream/, code: ErrorCode.PROTOCOL_ERROR },
  { name: 'HEADERS on an odd stream we never opened', answer: () => head(5, [[':status', '200']], true), reason: /HEADERS on stream 5, which we never opened/, code: ErrorCode.PROTOCOL_ERROR },
  {
    name: 'HEADERS after the stream ended both ways',
    answer: (id) => Buffer.concat([ok(id), head(id, [[':status', '200']], true)]),
    reason: /not allowed on this stream in its state/,
    code: ErrorCode.STREAM_CLOSED,
  },
];

describe('stream errors: the stream is reset, the connection goes on', () => {
  for (const c of streamErrors) {
    it(c.name, async () => {
      const server = await peers.server((id, nth) => (nth === 0 ? c.answer(id) : ok(id)));
      const reasons: string[] = [];
      const client = peers.client(server.port, false, { observer: { onStreamError: (_id, _code, reason) => reasons.push(reason) } });
      const bad = exchange(client.connection, '/');
      expect(await bad.done).toEqual({ kind: 'reset', code: ErrorCode.PROTOCOL_ERROR, cause: 'protocol' });
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(c.reason);
      await waitFor('the RST_STREAM', () => server.rstCode(1) !== undefined);
      expect(server.rstCode(1)).toBe(ErrorCode.PROTOCOL_ERROR);
      const good = exchange(client.connection, '/');
      expect(await good.done).toEqual({ kind: 'end' });
      expect(good.body().toString()).toBe('ok');
    });
  }

  it('trailer fields with an invalid name or value are dropped (as nghttp2 does); the valid ones and the body arrive, the stream ends', async () => {
    const trailers: HeaderList = [['x-ok', '1'], ['x-sp ace', '1'], ['X-Up', '1'], ['x-nul', 'a\u0000b'], ['x-ok2', '2']];
    const server = await peers.server((id) => Buffer.concat([head(id, [[':status', '200']]), dataFrame(id, Buffer.from('body')), head(id, trailers, true)]));
    const reasons: string[] = [];
    const client = peers.client(server.port, false, { observer: { onStreamError: (_id, _code, reason) => reasons.push(reason) } });
    const got = exchange(client.connection, '/');
    expect(await got.done).toEqual({ kind: 'end' });
    expect(got.body().toString()).toBe('body');
    expect(got.trailers).toEqual(['x-ok', '1', 'x-ok2', '2']);
    expect(reasons).toEqual([]);
  });

  it('DATA on a stream after it ended both ways: STREAM_CLOSED for that stream only', async () => {
    const server = await peers.server((id, nth) => (nth === 0 ? Buffer.concat([ok(id), dataFrame(id, Buffer.from('late'))]) : ok(id)));
    const client = peers.client(server.port, false);
    const first = exchange(client.connection, '/');
    expect(await first.done).toEqual({ kind: 'end' });
    await waitFor('the RST_STREAM', () => server.rstCode(1) !== undefined);
    expect(server.rstCode(1)).toBe(ErrorCode.STREAM_CLOSED);
    const good = exchange(client.connection, '/');
    expect(await good.done).toEqual({ kind: 'end' });
  });
});

describe('connection errors: GOAWAY, every stream ends', () => {
  for (const c of connectionErrors) {
    it(c.name, async () => {
      const server = await peers.server((id, nth) => (nth === 0 ? Buffer.alloc(0) : c.answer(id)));
      const errors: string[] = [];
      const client = peers.client(server.port, false, { observer: { onError: (err) => errors.push(err.message) } });
      // Two requests: the rule breaks on the second's answer while the first is still open.
      const open = exchange(client.connection, '/');
      exchange(client.connection, '/');
      expect(await open.done).toEqual({ kind: 'reset', code: c.code, cause: 'connection' });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(c.reason);
      await waitFor('the GOAWAY', () => server.goawayCode() !== undefined);
      expect(server.goawayCode()).toBe(c.code);
      expect(client.connection.canRequest).toBe(false);
    });
  }

  it('a PING flood from the server: GOAWAY(ENHANCE_YOUR_CALM), its reason naming the peer (the engine here is the client)', async () => {
    const pings = Buffer.concat(Array.from({ length: 4 }, () => frame(FrameType.PING, 0, 0, Buffer.alloc(8))));
    const server = await peers.server(() => pings);
    const errors: string[] = [];
    const client = peers.client(server.port, false, { floodLimits: { pings: { perSecond: 1, burst: 2 } }, observer: { onError: (err) => errors.push(err.message) } });
    expect(await exchange(client.connection, '/').done).toEqual({ kind: 'reset', code: ErrorCode.ENHANCE_YOUR_CALM, cause: 'connection' });
    expect(errors).toEqual(['PING flood: more than 1/s (burst 2) from the server']);
    await waitFor('the GOAWAY', () => server.goawayCode() !== undefined);
    expect(server.goawayCode()).toBe(ErrorCode.ENHANCE_YOUR_CALM);
  });
});

describe('GOAWAY from a raw server', () => {
  it('with an error code: streams above its last-stream-id end "unprocessed", the rest with the connection', async () => {
    // Nothing for the first request; the second's answer is the GOAWAY naming only the first.
    const server = await peers.server((_id, nth) => (nth === 0 ? Buffer.alloc(0) : goawayFrame(1, ErrorCode.INTERNAL_ERROR)));
    const goaways: Array<{ lastStreamId: number; errorCode: number }> = [];
    const client = peers.client(server.port, false, { observer: { onGoawayReceived: ({ lastStreamId, errorCode }) => goaways.push({ lastStreamId, errorCode }) } });
    const first = exchange(client.connection, '/');
    const second = exchange(client.connection, '/');
    expect(await second.done).toEqual({ kind: 'reset', code: ErrorCode.INTERNAL_ERROR, cause: 'unprocessed' });
    expect(await first.done).toEqual({ kind: 'reset', code: ErrorCode.INTERNAL_ERROR, cause: 'connection' });
    expect(goaways).toEqual([{ lastStreamId: 1, errorCode: ErrorCode.INTERNAL_ERROR }]);
    expect(client.connection.canRequest).toBe(false);
  });

  it('the two-step graceful close: GOAWAY(2^31-1) keeps every stream, the final GOAWAY(1) makes stream 3 "unprocessed", stream 1 finishes', async () => {
    const server = await peers.server((id, nth) => {
      if (nth === 0) return Buffer.alloc(0);
      return Buffer.concat([goawayFrame(2 ** 31 - 1, ErrorCode.NO_ERROR), goawayFrame(1, ErrorCode.NO_ERROR), ok(1), dataFrame(id, Buffer.from('ignored'))]);
    });
    const client = peers.client(server.port, false);
    const first = exchange(client.connection, '/');
    const second = exchange(client.connection, '/');
    expect(await second.done).toEqual({ kind: 'reset', code: ErrorCode.NO_ERROR, cause: 'unprocessed' });
    expect(await first.done).toEqual({ kind: 'end' });
    expect(first.body().toString()).toBe('ok');
    // DATA on the forgotten stream 3 is ignored, not an error: the connection ends cleanly.
    await waitFor('the client to end', () => client.socket.writableEnded);
    expect(server.goawayCode()).toBe(ErrorCode.NO_ERROR);
    expect(server.rstCode(3)).toBeUndefined();
  });
});

describe('after a client reset', () => {
  it('a late response head on the reset stream is still decoded: the HPACK table stays in step', async () => {
    const server = await peers.server((id, nth) => {
      if (nth === 0) return headersFrame(id, Buffer.concat([encodeHeaderBlock([[':status', '200']]), encodeIndexedLiteral('x-dyn', 'kept')]), { endStream: true });
      return headersFrame(id, Buffer.concat([encodeHeaderBlock([[':status', '200']]), encodeDynamicIndex(1)]), { endStream: true });
    });
    const client = peers.client(server.port, false);
    const cancelled = exchange(client.connection, '/');
    cancelled.stream.reset();
    expect(cancelled.stream.closed).toBe(true);
    await waitFor('the RST_STREAM', () => server.rstCode(1) !== undefined);
    const next = exchange(client.connection, '/');
    expect(await next.done).toEqual({ kind: 'end' });
    expect(next.field('x-dyn')).toBe('kept');
    expect(cancelled.status).toBe(0);
  });
});

describe('request() refuses what it cannot send, with one line naming it', () => {
  it('malformed heads, and no stream available', async () => {
    const server = await peers.server((id) => ok(id));
    const client = peers.client(server.port, false);
    const connection = client.connection;
    const handler = { onResponse() {} };
    const head = { method: 'GET', scheme: 'http', authority: 'x', path: '/' };
    expect(() => connection.request({ ...head, fields: ['connection', 'close'] }, handler)).toThrow(/h2 request: connection-specific field connection/);
    expect(() => connection.request({ ...head, fields: ['X-Up', '1'] }, handler)).toThrow(/uppercase in field name/);
    expect(() => connection.request({ ...head, path: '' }, handler)).toThrow(/empty :path/);
    expect(() => connection.request({ ...head, fields: ['te', 'gzip'] }, handler)).toThrow(/only "trailers"/);
    const stream = connection.request(head, handler, { endStream: true });
    // The refused heads took no stream id.
    expect(stream.id).toBe(1);
    // END_STREAM went with the head: nothing more can be sent on it.
    expect(stream.write(Buffer.from('x'))).toBe(false);
    connection.close();
    expect(connection.canRequest).toBe(false);
    expect(() => connection.request(head, handler)).toThrow(/no stream available \(the connection is closing\)/);
  });
});
