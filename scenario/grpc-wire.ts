/**
 * gRPC over HTTP/2 as it is on the wire (the gRPC "PROTOCOL-HTTP2" spec), for the scenario's own
 * gRPC client: a call is a POST to /Service/Method with content-type application/grpc and
 * te: trailers; each message either way is a 5-byte prefix (compressed flag, big-endian length)
 * and its bytes; the status comes in grpc-status, in the trailers (or in the head of a
 * Trailers-Only answer). The client is written on node:http2 — what @grpc/grpc-js runs on — so
 * the run's relay and recorder see its frames as they see a viewer's.
 */
import type http2 from 'node:http2';

const PREFIX = 5;

export function grpcRequestHeaders(path: string): http2.OutgoingHttpHeaders {
  return { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
}

/** One uncompressed message, prefixed. */
export function grpcFrame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(PREFIX);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/**
 * Splits a response body into messages as its DATA arrives: `onBytes` gets every message byte with
 * its message's index and its offset in that message, so a checker can compare bytes as they come
 * (a message may span many DATA frames).
 */
export class GrpcMessageReader {
  private readonly prefix = Buffer.alloc(PREFIX);
  private prefixFill = 0;
  private left = 0;
  private offset = 0;
  /** Complete messages so far. */
  messages = 0;

  constructor(private readonly onBytes: (message: number, offset: number, bytes: Buffer) => void) {}

  push(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.left === 0 && this.prefixFill < PREFIX) {
        const n = Math.min(PREFIX - this.prefixFill, chunk.length - at);
        chunk.copy(this.prefix, this.prefixFill, at, at + n);
        this.prefixFill += n;
        at += n;
        if (this.prefixFill < PREFIX) return;
        this.left = this.prefix.readUInt32BE(1);
        this.offset = 0;
        if (this.left === 0) this.messageDone();
        continue;
      }
      const n = Math.min(this.left, chunk.length - at);
      this.onBytes(this.messages, this.offset, chunk.subarray(at, at + n));
      this.offset += n;
      this.left -= n;
      at += n;
      if (this.left === 0) this.messageDone();
    }
  }

  private messageDone(): void {
    this.messages++;
    this.prefixFill = 0;
  }
}

/** grpc-status of a trailers block (or a Trailers-Only head); undefined when absent. */
export function grpcStatus(fields: http2.IncomingHttpHeaders): number | undefined {
  const value = fields['grpc-status'];
  return value === undefined ? undefined : Number(value);
}
