/**
 * RFC 8441 extended CONNECT in the engine, both roles, against real peers. The server role, with
 * enableConnectProtocol, announces SETTINGS_ENABLE_CONNECT_PROTOCOL=1 and takes a node:http2
 * client's `:method CONNECT, :protocol websocket` as a request whose DATA both ways is the tunnel;
 * without it, :protocol is malformed. The client role sends an extended CONNECT to a node:http2
 * server that advertises the setting, and refuses to send one to a server that did not.
 */
import { once } from 'node:events';
import * as http2 from 'node:http2';
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ErrorCode, FrameFlag, FrameType, SettingId } from '../../h2/frame/constants.js';
import type { ClientConnection } from '../../h2/proto/client-connection.js';
import type { ConnectionOptions, ServerHandler } from '../../h2/proto/connection-options.js';
import type { RequestHead } from '../../h2/proto/header-validation.js';
import { connectRaw, encodeHeaderBlock, headersFrame, pingFrame, settingsFrame, type HeaderList, type RawH2 } from '../helpers/raw-h2.js';
import { patternBytes, sha256 } from '../helpers/bytes.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { connectClient } from './client/engine-client.js';
import { startEngineServer } from './engine-server.js';

const WAIT_MS = 5000;
const cleanups = cleanupsAfterEach();

/** The engine serving a tunnel echo: every extended CONNECT gets 200, its DATA comes back, its END_STREAM ends ours. */
function tunnelEcho(heads: RequestHead[]): ServerHandler {
  return {
    onStream(stream, head) {
      heads.push(head);
      if (head.protocol === '') {
        stream.respond(404, [], true);
        return {};
      }
      stream.respond(200, ['sec-websocket-protocol', 'chat']);
      return {
        onData(chunk) {
          stream.write(Buffer.from(chunk));
          stream.consumed(chunk.length);
        },
        onEnd: () => stream.end(),
      };
    },
  };
}

async function engineServer(options: ConnectionOptions, heads: RequestHead[] = []) {
  const server = await startEngineServer(tunnelEcho(heads), { tls: false, options });
  cleanups.push(() => server.close());
  return server;
}

async function rawClient(port: number, settings: ReadonlyArray<readonly [number, number]> = []): Promise<RawH2> {
  const raw = await connectRaw({ port, tls: false, settings });
  cleanups.push(() => raw.close());
  await raw.waitFor(() => raw.count(FrameType.SETTINGS) > 0, WAIT_MS);
  return raw;
}

/** The settings of the server's first SETTINGS frame, as [id, value] pairs. */
function firstSettings(raw: RawH2): Array<[number, number]> {
  const payload = raw.framesOf(FrameType.SETTINGS).find((f) => !(f.flags & FrameFlag.ACK))!.payload;
  const out: Array<[number, number]> = [];
  for (let at = 0; at + 6 <= payload.length; at += 6) out.push([payload.readUInt16BE(at), payload.readUInt32BE(at + 2)]);
  return out;
}

const extendedConnect = (extra: HeaderList = []): HeaderList => [
  [':method', 'CONNECT'],
  [':protocol', 'websocket'],
  [':scheme', 'http'],
  [':authority', '127.0.0.1'],
  [':path', '/chat'],
  ['sec-websocket-version', '13'],
  ...extra,
];

async function expectStreamError(raw: RawH2, streamId: number, headers: HeaderList): Promise<void> {
  await raw.send(headersFrame(streamId, encodeHeaderBlock(headers), { endStream: false }));
  expect(await raw.waitFor(() => raw.resets.has(streamId), WAIT_MS), `RST_STREAM on stream ${streamId}`).toBe(true);
  expect(raw.resets.get(streamId)).toBe(ErrorCode.PROTOCOL_ERROR);
  // The connection goes on.
  await raw.send(pingFrame(streamId));
  expect(await raw.waitFor(() => raw.framesOf(FrameType.PING).some((f) => f.flags & FrameFlag.ACK && f.payload.readUInt32BE(4) === streamId), WAIT_MS)).toBe(true);
  expect(raw.goaway).toBeUndefined();
}

describe('server role', () => {
  it('announces SETTINGS_ENABLE_CONNECT_PROTOCOL=1 only when enabled', async () => {
    const on = await engineServer({ settings: { enableConnectProtocol: true } });
    const off = await engineServer({});
    expect(firstSettings(await rawClient(on.port))).toContainEqual([SettingId.ENABLE_CONNECT_PROTOCOL, 1]);
    expect(firstSettings(await rawClient(off.port)).map(([id]) => id)).not.toContain(SettingId.ENABLE_CONNECT_PROTOCOL);
  });

  it('a node:http2 client\'s extended CONNECT is a tunnel: 200, DATA both ways byte-exact, END_STREAM closes it', async () => {
    const heads: RequestHead[] = [];
    const server = await engineServer({ settings: { enableConnectProtocol: true } }, heads);
    const session = http2.connect(server.url);
    cleanups.push(() => session.destroy());
    await once(session, 'remoteSettings');
    expect(session.remoteSettings.enableConnectProtocol).toBe(true);
    const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/chat?room=1', 'sec-websocket-version': '13' });
    const [response] = await once(stream, 'response') as [http2.IncomingHttpHeaders];
    expect(response[':status']).toBe(200);
    expect(response['sec-websocket-protocol']).toBe('chat');
    expect(heads[0]).toMatchObject({ method: 'CONNECT', protocol: 'websocket', scheme: 'http', path: '/chat?room=1', endStream: false });
    expect(heads[0]!.fields).toEqual(['sec-websocket-version', '13']);

    const sent = patternBytes(3, 3 * 1024 * 1024 + 17);
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    const ended = once(stream, 'end');
    stream.end(sent);
    await ended;
    expect(sha256(Buffer.concat(chunks))).toBe(sha256(sent));
    await once(stream, 'close');
    expect(stream.rstCode).toBe(http2.constants.NGHTTP2_NO_ERROR);
    await waitFor('the engine stream to close', () => server.connections[0]!.activeStreams === 0);
  });

  it('without enableConnectProtocol, :protocol is malformed: RST_STREAM(PROTOCOL_ERROR), the connection lives', async () => {
    const server = await engineServer({});
    await expectStreamError(await rawClient(server.port), 1, extendedConnect());
  });

  it('malformed extended CONNECTs: :protocol on a GET, without :path or :scheme, :protocol twice', async () => {
    const server = await engineServer({ settings: { enableConnectProtocol: true } });
    const raw = await rawClient(server.port);
    const without = (name: string) => extendedConnect().filter(([n]) => n !== name);
    await expectStreamError(raw, 1, [[':method', 'GET'], ...extendedConnect().slice(1)]);
    await expectStreamError(raw, 3, without(':path'));
    await expectStreamError(raw, 5, without(':scheme'));
    await expectStreamError(raw, 7, [...extendedConnect().slice(0, 5), [':protocol', 'websocket'], ...extendedConnect().slice(5)]);
  });

  it('a peer taking SETTINGS_ENABLE_CONNECT_PROTOCOL back (1, then 0) → GOAWAY(PROTOCOL_ERROR)', async () => {
    const server = await engineServer({});
    const raw = await rawClient(server.port, [[SettingId.ENABLE_CONNECT_PROTOCOL, 1]]);
    await raw.send(settingsFrame([[SettingId.ENABLE_CONNECT_PROTOCOL, 0]]));
    const goaway = await raw.waitForGoaway(WAIT_MS);
    expect(goaway?.errorCode).toBe(ErrorCode.PROTOCOL_ERROR);
  });
});

describe('client role', () => {
  async function nodeServer(settings: http2.Settings): Promise<{ port: number; requests: http2.IncomingHttpHeaders[] }> {
    const requests: http2.IncomingHttpHeaders[] = [];
    const server = http2.createServer({ settings });
    const sessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (s: http2.ServerHttp2Session) => {
      sessions.add(s);
      s.on('error', () => {});
    });
    server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
      stream.on('error', () => {});
      requests.push(headers);
      stream.respond({ ':status': 200 });
      stream.pipe(stream);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(async () => {
      for (const s of sessions) s.destroy();
      await new Promise((r) => server.close(r));
    });
    return { port: (server.address() as net.AddressInfo).port, requests };
  }

  async function settledClient(port: number): Promise<ClientConnection> {
    let settled!: () => void;
    const settings = new Promise<void>((resolve) => (settled = resolve));
    const client = connectClient(port, false, { observer: { onSettings: () => settled() } });
    cleanups.push(() => client.socket.destroy());
    await settings;
    return client.connection;
  }

  it('sends an extended CONNECT to a node:http2 server that advertises it; the tunnel echoes byte-exact', async () => {
    const origin = await nodeServer({ enableConnectProtocol: true });
    const connection = await settledClient(origin.port);
    expect(connection.peerSettings.enableConnectProtocol).toBe(true);
    const sent = patternBytes(5, 1024 * 1024 + 3);
    const received: Buffer[] = [];
    let status = 0;
    let settle!: (how: string) => void;
    const done = new Promise<string>((resolve) => (settle = resolve));
    const stream = connection.request(
      { method: 'CONNECT', protocol: 'websocket', scheme: 'http', authority: `127.0.0.1:${origin.port}`, path: '/chat', fields: ['sec-websocket-version', '13'] },
      {
        onResponse: (s) => (status = s),
        onData(chunk) {
          received.push(Buffer.from(chunk));
          stream.consumed(chunk.length);
        },
        onEnd: () => settle('end'),
        onReset: (code) => settle(`reset ${code}`),
      },
    );
    stream.write(sent);
    stream.end();
    expect(await done).toBe('end');
    expect(status).toBe(200);
    expect(sha256(Buffer.concat(received))).toBe(sha256(sent));
    expect(origin.requests[0]).toMatchObject({ ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': 'http', ':path': '/chat', 'sec-websocket-version': '13' });
  });

  it('refuses to send one to a server that did not advertise it, naming the setting', async () => {
    const origin = await nodeServer({});
    const connection = await settledClient(origin.port);
    expect(() => connection.request({ method: 'CONNECT', protocol: 'websocket', scheme: 'http', authority: 'x', path: '/' }, { onResponse() {} }))
      .toThrow('the server has not enabled extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)');
    expect(origin.requests).toEqual([]);
  });
});
