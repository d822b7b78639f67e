/**
 * A gRPC service for the tests, defined by hand (no .proto, no protoc): messages are raw bytes,
 * so a message's content is exactly what the test put in. The origin is a real @grpc/grpc-js
 * server over h2c; what each call does is chosen by request metadata (`x-mode`), and every call
 * the origin sees is recorded with how it ended (finished, or cancelled by the client).
 *
 *   Unary         echo; x-mode: not-found (a Trailers-Only error), hold (never answers)
 *   ServerStream  x-count messages `<i>` every x-interval-ms ms (x-count 0: until cancelled), or
 *                 with x-size messages of that many 0x79 bytes; x-mode: internal (INTERNAL with a
 *                 message after two messages)
 *   ClientStream  answers `<messages>:<bytes>` once the client ends
 *   Bidi          echoes each message, ends when the client ends
 *
 * Every answer carries initial metadata x-saw-client (the client's x-client) and x-echo-bin (the
 * client's binary x-trace-bin), and trailing metadata x-server-trailer. Binary values are
 * recorded and compared as base64.
 */
import * as grpc from '@grpc/grpc-js';

const bytes = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

export const testService = {
  unary: { path: '/h2race.Test/Unary', requestStream: false, responseStream: false, ...bytes },
  serverStream: { path: '/h2race.Test/ServerStream', requestStream: false, responseStream: true, ...bytes },
  clientStream: { path: '/h2race.Test/ClientStream', requestStream: true, responseStream: false, ...bytes },
  bidi: { path: '/h2race.Test/Bidi', requestStream: true, responseStream: true, ...bytes },
} satisfies grpc.ServiceDefinition;

/** Large messages both ways (gRPC's default receive limit is 4 MiB). */
export const MESSAGE_LIMITS = { 'grpc.max_receive_message_length': 64 * 1024 * 1024, 'grpc.max_send_message_length': 64 * 1024 * 1024 };

export const TestClient = grpc.makeGenericClientConstructor(testService, 'Test') as unknown as new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => TestClientApi;

export interface TestClientApi extends grpc.Client {
  unary(request: Buffer, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Buffer>): grpc.ClientUnaryCall;
  serverStream(request: Buffer, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<Buffer>;
  clientStream(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Buffer>): grpc.ClientWritableStream<Buffer>;
  bidi(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<Buffer, Buffer>;
}

export interface CallSeen {
  method: string;
  metadata: Record<string, string>;
  /** When the call reached the origin's handler (Date.now()). */
  at: number;
  /** The deadline the origin got from grpc-timeout (Infinity when none). */
  deadline: number;
  end: 'finished' | 'cancelled' | 'open';
}

export interface GrpcOrigin {
  /** h2c://127.0.0.1:PORT */
  url: string;
  /** 127.0.0.1:PORT */
  address: string;
  calls: CallSeen[];
  close(): Promise<void>;
}

/** `-bin` keys take base64 and carry its bytes. */
export function metadataOf(fields: Record<string, string>): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(fields)) md.set(k, k.endsWith('-bin') ? Buffer.from(v, 'base64') : v);
  return md;
}

function plain(md: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.getMap())) out[k] = Buffer.isBuffer(v) ? v.toString('base64') : v;
  return out;
}

type ServerCall = grpc.ServerUnaryCall<Buffer, Buffer> | grpc.ServerWritableStream<Buffer, Buffer> | grpc.ServerReadableStream<Buffer, Buffer> | grpc.ServerDuplexStream<Buffer, Buffer>;

function seen(origin: GrpcOrigin, method: string, call: ServerCall): CallSeen {
  const metadata = plain(call.metadata);
  const deadline = call.getDeadline();
  const record: CallSeen = { method, metadata, at: Date.now(), deadline: deadline instanceof Date ? deadline.getTime() : deadline, end: 'open' };
  origin.calls.push(record);
  (call as grpc.ServerUnaryCall<Buffer, Buffer>).once('cancelled', () => {
    if (record.end === 'open') record.end = 'cancelled';
  });
  call.sendMetadata(metadataOf({ 'x-saw-client': metadata['x-client'] ?? '', 'x-echo-bin': metadata['x-trace-bin'] ?? '' }));
  return record;
}

/** The byte of x-size messages. */
export const FILL = 0x79;

const trailer = () => metadataOf({ 'x-server-trailer': 't1' });

export async function startGrpcOrigin(): Promise<GrpcOrigin> {
  const server = new grpc.Server(MESSAGE_LIMITS);
  const origin: GrpcOrigin = {
    url: '',
    address: '',
    calls: [],
    close: () => new Promise<void>((resolve) => {
      server.forceShutdown();
      resolve();
    }),
  };
  server.addService(testService, {
    unary(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      const mode = call.metadata.get('x-mode')[0];
      // Before any metadata goes out: grpc-js answers an error there as Trailers-Only.
      if (mode === 'not-found') {
        origin.calls.push({ method: 'unary', metadata: { 'x-mode': 'not-found' }, at: Date.now(), deadline: Infinity, end: 'finished' });
        return callback({ code: grpc.status.NOT_FOUND, details: 'no such thing', metadata: metadataOf({ 'x-why': 'missing' }) });
      }
      const record = seen(origin, 'unary', call);
      if (mode === 'hold') return;
      record.end = 'finished';
      callback(null, call.request, trailer());
    },
    serverStream(call: grpc.ServerWritableStream<Buffer, Buffer>) {
      const record = seen(origin, 'serverStream', call);
      const count = Number(call.metadata.get('x-count')[0] ?? 3);
      const interval = Number(call.metadata.get('x-interval-ms')[0] ?? 0);
      const size = Number(call.metadata.get('x-size')[0] ?? 0);
      const internal = call.metadata.get('x-mode')[0] === 'internal';
      let sent = 0;
      const next = () => {
        if (call.cancelled) return;
        if (internal && sent === 2) {
          record.end = 'finished';
          return call.emit('error', { code: grpc.status.INTERNAL, details: 'boom mid-stream', metadata: trailer() });
        }
        if (count > 0 && sent === count) {
          record.end = 'finished';
          return call.end(trailer());
        }
        call.write(size > 0 ? Buffer.alloc(size, FILL) : Buffer.from(String(sent)));
        sent++;
        setTimeout(next, interval);
      };
      next();
    },
    clientStream(call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      const record = seen(origin, 'clientStream', call);
      let messages = 0;
      let total = 0;
      call.on('data', (m: Buffer) => {
        messages++;
        total += m.length;
      });
      call.once('end', () => {
        record.end = 'finished';
        callback(null, Buffer.from(`${messages}:${total}`), trailer());
      });
    },
    bidi(call: grpc.ServerDuplexStream<Buffer, Buffer>) {
      const record = seen(origin, 'bidi', call);
      call.on('data', (m: Buffer) => call.write(m));
      call.once('end', () => {
        record.end = 'finished';
        call.end(trailer());
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  origin.address = `127.0.0.1:${port}`;
  origin.url = `h2c://${origin.address}`;
  return origin;
}

/** What a finished call told its client. */
export interface CallResult<T> {
  value?: T;
  /** Initial metadata (response headers). */
  headers: Record<string, string>;
  status: { code: grpc.status; details: string; trailers: Record<string, string> };
}

/** Waits for a call's status, with what came before it. */
export function settle<T>(call: grpc.ClientUnaryCall | grpc.ClientReadableStream<unknown> | grpc.ClientWritableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>, value?: () => T): Promise<CallResult<T>> {
  let headers: Record<string, string> = {};
  call.on('metadata', (md: grpc.Metadata) => (headers = plain(md)));
  return new Promise((resolve) => {
    (call as grpc.ClientUnaryCall).on('error' as 'status', () => {});
    call.once('status', (s: grpc.StatusObject) => {
      // The unary callback runs after 'status': let it fill the value first.
      setImmediate(() => resolve({ value: value?.(), headers, status: { code: s.code, details: s.details, trailers: plain(s.metadata) } }));
    });
  });
}

export function unary(client: TestClientApi, request: Buffer, fields: Record<string, string> = {}, options: grpc.CallOptions = {}): Promise<CallResult<Buffer | undefined>> {
  let response: Buffer | undefined;
  const call = client.unary(request, metadataOf(fields), options, (_err, value) => (response = value));
  return settle(call, () => response);
}

export function serverStream(client: TestClientApi, fields: Record<string, string>, options: grpc.CallOptions = {}): { call: grpc.ClientReadableStream<Buffer>; messages: string[]; result: Promise<CallResult<string[]>> } {
  const call = client.serverStream(Buffer.alloc(0), metadataOf(fields), options);
  const messages: string[] = [];
  call.on('data', (m: Buffer) => messages.push(m.toString()));
  return { call, messages, result: settle(call, () => messages) };
}

export async function clientStream(client: TestClientApi, messages: Buffer[], fields: Record<string, string> = {}): Promise<CallResult<string | undefined>> {
  let response: Buffer | undefined;
  const call = client.clientStream(metadataOf(fields), {}, (_err, value) => (response = value));
  const result = settle(call, () => response?.toString());
  for (const m of messages) call.write(m);
  call.end();
  return result;
}

/** Sends each message once the previous one came back. */
export async function bidiEcho(client: TestClientApi, messages: Buffer[], fields: Record<string, string> = {}): Promise<CallResult<Buffer[]>> {
  const call = client.bidi(metadataOf(fields));
  const echoed: Buffer[] = [];
  const result = settle(call, () => echoed);
  const ended = result.then(() => undefined);
  for (const m of messages) {
    const back = new Promise<Buffer>((resolve) => call.once('data', resolve));
    call.write(m);
    const echo = await Promise.race([back, ended]);
    if (!echo) break;
    echoed.push(echo);
  }
  call.end();
  return result;
}
