/**
 * The engine's Transport on a client connection: the engine's frames go through the downstream
 * link (its toxics) to the socket, and each frame's arrival there (or its drop) is told to the
 * stream-write ledger and to the engine's `done` (its pool.writeDone).
 *
 *   engine writer ──write(frame bytes, done?)──▶ Link (toxics) ──▶ socket
 *                                                   │ chunk done: ledger.settled, engine's done
 *   socket ──data/end──▶ engine
 *
 * When the link has a bottleneck queue, the engine's writer is held at it (room, onRoom): what the
 * link holds beyond its wire is at most its queue, and DATA not yet framed waits in the streams'
 * queues, where a reset drops it before it crosses the link.
 *
 * Every write is one whole frame (the engine writes a frame per write), so the ledger reads its
 * header at write time, before a racing reuse of its buffer could change it.
 *
 * Lifecycle: owned by one EnginePath and lives as long as its socket. It ends in one place, the
 * socket's 'close' (h2/proto/socket-backed-transport.ts): the link is destroyed (every queued
 * chunk's done fires with the error, in order), then the engine hears onClose.
 */
import type * as net from 'node:net';
import { readFrameHeader, type FrameHeader } from '../../h2/frame/codec.js';
import { SocketBackedTransport, type WriteDone } from '../../h2/proto/socket-backed-transport.js';
import type { Link } from '../link/types.js';
import type { StreamWriteLedger } from './stream-write-ledger.js';

export class LinkTransport extends SocketBackedTransport {
  /** Bytes handed to the link whose chunk is not done. */
  private queued = 0;
  private peakQueued = 0;
  /** Frames handed to the link and not done, per stream. */
  private readonly pendingByStream = new Map<number, number>();

  constructor(
    socket: net.Socket,
    private readonly link: Link,
    private readonly ledger: StreamWriteLedger,
    /** The last frame handed to the link for `streamId` left it: none of its frames is pending. */
    private readonly streamFlushed: (streamId: number) => void = () => {},
  ) {
    super(socket);
  }

  get pendingBytes(): number {
    return this.queued;
  }

  get peakPendingBytes(): number {
    return this.peakQueued;
  }

  pendingFrames(streamId: number): number {
    return this.pendingByStream.get(streamId) ?? 0;
  }

  /** What the link's bottleneck queue takes before it holds the engine's writer. */
  room(): number {
    const limit = this.link.queueLimit;
    return limit === undefined ? Infinity : limit - this.link.backlogBytes;
  }

  onRoom(wake: () => void): void {
    this.link.on('room', wake);
  }

  write(bytes: Buffer, done?: WriteDone): void {
    const header = readFrameHeader(bytes);
    this.ledger.queued(header);
    this.pendingByStream.set(header.streamId, (this.pendingByStream.get(header.streamId) ?? 0) + 1);
    this.queued += bytes.length;
    if (this.queued > this.peakQueued) this.peakQueued = this.queued;
    this.link.enqueue({ data: bytes, done: (err) => this.settled(header, bytes, err, done) });
  }

  end(): void {
    this.link.end();
  }

  destroy(err?: Error): void {
    this.error ??= err;
    this.link.destroy(err ?? new Error('connection destroyed'));
    this.socket.destroy();
  }

  protected settlePending(err: Error): void {
    this.link.destroy(err);
  }

  /** The one place a frame leaves the transport: written (no error), or dropped. */
  private settled(header: FrameHeader, bytes: Buffer, err: Error | null | undefined, done: WriteDone | undefined): void {
    this.queued -= bytes.length;
    const left = this.pendingByStream.get(header.streamId)! - 1;
    if (left === 0) this.pendingByStream.delete(header.streamId);
    else this.pendingByStream.set(header.streamId, left);
    this.ledger.settled(header, !err);
    done?.(err);
    if (left === 0) this.streamFlushed(header.streamId);
  }
}
