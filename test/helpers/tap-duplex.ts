/**
 * A pass-through Duplex over a socket that counts bytes each way: the smallest DownstreamWrapper /
 * UpstreamWrapper, for tests that check the proxy runs its protocols over a wrapper's Duplex.
 */
import { Duplex } from 'node:stream';
import type * as net from 'node:net';

export class TapDuplex extends Duplex {
  bytesRead = 0;
  bytesWritten = 0;

  constructor(protected readonly socket: net.Socket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      if (!this.push(chunk)) socket.pause();
    });
    socket.once('end', () => this.push(null));
    socket.once('error', (err) => this.destroy(err));
    socket.once('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.bytesWritten += chunk.length;
    this.socket.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}
