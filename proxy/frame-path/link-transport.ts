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
 *
 * A frame's record is taken from the transport's free list and goes back there when its chunk is
 * done: the frames of a request cost no object here once the list has as many records as frames
 * are ever in the link at once.
 */
import type * as net from 'node:net';
import type { FrameHeader } from '../../h2/frame/codec.js';
import { SocketBackedTransport, type WriteDone } from '../../h2/proto/socket-backed-transport.js';
import type { Link, LinkChunk } from '../../faults/link/types.js';
import { SlotList } from '../slot-list.js';
import type { StreamWriteLedger } from './stream-write-ledger.js';

/** Records a transport keeps for reuse beyond those in the link: enough for a burst of frames. */
const FREE_RECORDS = 256;
/** What a free record holds instead of a frame. */
const EMPTY = Buffer.alloc(0);

/**
 * One frame from the engine's write until its chunk is done: the link's chunk and the ledger's
 * header in one record. Lifecycle: a record of its transport's, taken from its free list by
 * `write` (or made there), among the transport's frames in the link until the link calls `done`
 * (exactly once), which hands it back: cleared, to the free list.
 */
class LinkedFrame implements LinkChunk, FrameHeader {
  data: Buffer = EMPTY;
  engineDone: WriteDone | undefined = undefined;
  length = 0;
  type = 0;
  flags = 0;
  streamId = 0;
  /** Its place among the transport's frames in the link (SlotList's; -1: not there). */
  slot = -1;

  constructor(private readonly onLeft: (frame: LinkedFrame, err: Error | undefined) => void) {}

  /** The frame in `data` (its header read now, before a racing reuse of the buffer could change it). */
  hold(data: Buffer, engineDone: WriteDone | undefined): void {
    this.data = data;
    this.engineDone = engineDone;
    this.length = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
    this.type = data[3]!;
    this.flags = data[4]!;
    // Octets, as the engine's frame codec reads them: readUInt32BE checks its argument each call.
    this.streamId = ((data[5]! & 0x7f) << 24) | (data[6]! << 16) | (data[7]! << 8) | data[8]!;
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
  private readonly inLink = new SlotList<LinkedFrame>(slotOf, setSlot);
  /** Records of done frames, for the next writes. */
  private readonly free: LinkedFrame[] = [];

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
    let count = 0;
    for (const frame of this.inLink.all) if (frame.streamId === streamId) count++;
    return count;
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
    const frame = this.free.pop() ?? new LinkedFrame(this.settled);
    frame.hold(bytes, done);
    this.ledger.queued(frame);
    this.inLink.add(frame);
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

  /** The one place a frame leaves the transport: written (no error), or dropped. Its record is free from here. */
  private readonly settled = (frame: LinkedFrame, err: Error | undefined): void => {
    this.queued -= frame.data.length;
    const { engineDone, streamId } = frame;
    this.inLink.delete(frame);
    this.ledger.settled(frame, !err);
    this.release(frame);
    // Last: the engine's done may write the next frames at once (into this record, too).
    engineDone?.(err);
    this.frameLeft(streamId);
  };

  /** A done frame's record: cleared (it pins no buffer), kept for the next write unless the free list is full. */
  private release(frame: LinkedFrame): void {
    frame.data = EMPTY;
    frame.engineDone = undefined;
    if (this.free.length < FREE_RECORDS) this.free.push(frame);
  }
}

function slotOf(frame: LinkedFrame): number {
  return frame.slot;
}

function setSlot(frame: LinkedFrame, slot: number): void {
  frame.slot = slot;
}
