/**
 * The gRPC demo origin `compare --grpc` runs against: a real @grpc/grpc-js server over h2c with
 * one service, `h2race.Demo`, whose messages are raw bytes (no .proto: the client checks every
 * byte against grpcContent):
 *
 *   /h2race.Demo/Watch  server-streaming: message i (i = 0, 1, …) every WATCH_INTERVAL_MS, until
 *                       the client cancels — the long-lived call beside the others (a feed, a
 *                       stock ticker), what a cancel of another call must not touch
 *   /h2race.Demo/Fetch  unary: the request is a size in decimal; the answer that many bytes — the
 *                       large answer a client gives up on mid-way (a deadline, a user going back)
 *   /h2race.Demo/Ping   unary: the request back
 *
 * Lifecycle: startGrpcOrigin owns the server; close() ends it and every call on it.
 */
import * as grpc from '@grpc/grpc-js';

export const GRPC_PATHS = { watch: '/h2race.Demo/Watch', fetch: '/h2race.Demo/Fetch', ping: '/h2race.Demo/Ping' } as const;

const WATCH_INTERVAL_MS = 40;
export const WATCH_MESSAGE_BYTES = 2000;
/** The largest Fetch answer (and message either way). */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** The last large content made: every Fetch of a run asks for the same size. */
let lastLarge: { key: number; bytes: Buffer } | undefined;

/** Message `key`'s bytes (do not modify them): a Watch message's key is its index, a Fetch answer's its size. */
export function grpcContent(key: number, length: number): Buffer {
  if (lastLarge && lastLarge.key === key && lastLarge.bytes.length === length) return lastLarge.bytes;
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (key * 131 + i * 7 + (i >>> 9)) & 0xff;
  if (length > WATCH_MESSAGE_BYTES) lastLarge = { key, bytes: out };
  return out;
}

const raw = {
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
};

const demoService = {
  watch: { path: GRPC_PATHS.watch, requestStream: false, responseStream: true, ...raw },
  fetch: { path: GRPC_PATHS.fetch, requestStream: false, responseStream: false, ...raw },
  ping: { path: GRPC_PATHS.ping, requestStream: false, responseStream: false, ...raw },
} satisfies grpc.ServiceDefinition;

export interface GrpcOrigin {
  /** h2c://host:port */
  url: string;
  close(): Promise<void>;
}

/** `options`: more grpc-js server options (e.g. `grpc.max_connection_age_ms`, after which it sends a graceful GOAWAY). */
export async function startGrpcOrigin(host = '127.0.0.1', port = 0, options: grpc.ServerOptions = {}): Promise<GrpcOrigin> {
  const server = new grpc.Server({ ...options, 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
  server.addService(demoService, {
    watch(call: grpc.ServerWritableStream<Buffer, Buffer>) {
      let index = 0;
      const timer = setInterval(() => call.write(grpcContent(index++, WATCH_MESSAGE_BYTES)), WATCH_INTERVAL_MS);
      const stop = () => clearInterval(timer);
      call.once('cancelled', stop);
      call.once('close', stop);
      call.on('error', stop);
    },
    fetch(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      const size = Number(call.request.toString());
      if (!Number.isInteger(size) || size < 0 || size > MAX_MESSAGE_BYTES) {
        return callback({ code: grpc.status.INVALID_ARGUMENT, details: `size must be 0..${MAX_MESSAGE_BYTES}` });
      }
      callback(null, grpcContent(size, size));
    },
    ping(call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) {
      callback(null, call.request);
    },
  });
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    url: `h2c://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: async () => server.forceShutdown(),
  };
}
