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
 * queues, where a reset drops it.
 *
 * Every write is one whole frame (the engine writes a frame per write), so its header is read at
 * write time, before a racing reuse of its buffer could change it.
 *
 * Lifecycle: owned by one EnginePath and lives as long as its socket. It ends in one place, the
 * socket's 'close' (h2/proto/socket-backed-transport.ts): the link is destroyed (every queued
 * chunk's done fires with the error, in order), then the engine hears onClose.
 */
import type * as net from 'node:net';
import type { FrameHeader } from '../../h2/frame/codec.js';
import { SocketBackedTransport, type WriteDone } from '../../h2/proto/socket-backed-transport.js';
import { InFlight } from '../../h2/proto/in-flight.js';
import type { Link, LinkChunk } from '../../faults/link/types.js';
import type { StreamWriteLedger } from './stream-write-ledger.js';

/**
 * One frame from the engine's write until its chunk is done: the link's chunk and the ledger's
 * header in one record, so a frame costs one object here. Lifecycle: made by `write`, ended by
 * the link calling `done` (exactly once), which hands it back to its transport.
 */
class LinkedFrame implements LinkChunk, FrameHeader {
  readonly length: number;
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  /** Its chunk is done. */
  settled = false;

  constructor(
    readonly data: Buffer,
    readonly engineDone: WriteDone | undefined,
    private readonly onLeft: (frame: LinkedFrame, err: Error | undefined) => void,
  ) {
    this.length = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
    this.type = data[3]!;
    this.flags = data[4]!;
    this.streamId = data.readUInt32BE(5) & 0x7fffffff;
  }

  done(err?: Error): void {
    this.onLeft(this, err);
  }
}

export class LinkTransport extends SocketBackedTransport {
  /** Bytes handed to the link whose chunk is not done. */
  private queued = 0;
  private peakQueued = 0;
  /** Frames handed to the link whose chunk is not done. */
  private readonly inFlight = new InFlight<LinkedFrame>((frame) => frame.settled);

  constructor(
    socket: net.Socket,
    private readonly link: Link,
    private readonly ledger: StreamWriteLedger,
    /** A frame of `streamId` left the link (its owner asks pendingFrames only for the streams it watches). */
    private readonly frameLeft: (streamId: number) => void = () => {},
  ) {
    super(socket);
  }

  get pendingBytes(): number {
    return this.queued;
  }

  get peakPendingBytes(): number {
    return this.peakQueued;
  }

  /** Frames of the stream handed to the link and not done (read for resets and tunnels, not per frame). */
  pendingFrames(streamId: number): number {
    return this.inFlight.unfinished().filter((frame) => frame.streamId === streamId).length;
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
    const frame = new LinkedFrame(bytes, done, this.settled);
    this.ledger.queued(frame);
    this.inFlight.add(frame);
    this.queued += bytes.length;
    if (this.queued > this.peakQueued) this.peakQueued = this.queued;
    this.link.enqueue(frame);
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
  private readonly settled = (frame: LinkedFrame, err: Error | undefined): void => {
    frame.settled = true;
    this.queued -= frame.data.length;
    this.inFlight.forget();
    this.ledger.settled(frame, !err);
    frame.engineDone?.(err);
    this.frameLeft(frame.streamId);
  };
}
