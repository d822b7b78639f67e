/**
 * A Transport that holds the engine's writes while the test says so, then lets them through in
 * order: the deterministic stand-in for a slow network, where a frame's write is still pending
 * when the peer's RST_STREAM arrives. Held bytes are views of the engine's leases, read only when
 * released — so a buffer reused meanwhile goes out as whatever it holds by then, as in Jetty.
 *
 * Lifecycle: wraps one socket's transport; `release` hands over what is held.
 */
import type * as net from 'node:net';
import { SocketTransport } from '../../h2/proto/socket-transport.js';
import type { Transport, TransportSink } from '../../h2/proto/transport.js';

export interface HeldWrite {
  bytes: Buffer;
  done?: (err?: Error | null) => void;
}

export class HoldingTransport implements Transport {
  holding = false;
  readonly held: HeldWrite[] = [];
  private endHeld = false;
  private readonly inner: SocketTransport;

  constructor(socket: net.Socket) {
    this.inner = new SocketTransport(socket);
  }

  get heldBytes(): number {
    return this.held.reduce((n, w) => n + w.bytes.length, 0);
  }

  start(sink: TransportSink): void {
    this.inner.start({
      onData: (chunk) => sink.onData(chunk),
      onEnd: () => sink.onEnd(),
      onClose: (err) => {
        // As a transport must: every write's done fires, held ones included, before the close.
        for (const { done } of this.held.splice(0)) done?.(err ?? new Error('connection closed'));
        sink.onClose(err);
      },
    });
  }

  write(bytes: Buffer, done?: (err?: Error | null) => void): void {
    if (this.holding) this.held.push({ bytes, done });
    else this.inner.write(bytes, done);
  }

  cork(): void {
    this.inner.cork();
  }

  uncork(): void {
    this.inner.uncork();
  }

  end(): void {
    if (this.holding) this.endHeld = true;
    else this.inner.end();
  }

  destroy(err?: Error): void {
    this.inner.destroy(err);
  }

  /** Stops holding: what is held goes out now, in order. */
  release(): void {
    this.holding = false;
    this.inner.cork();
    for (const { bytes, done } of this.held.splice(0)) this.inner.write(bytes, done);
    this.inner.uncork();
    if (this.endHeld) this.inner.end();
  }
}
