/**
 * Socket reads into reused buffers. Node gives every socket read a new 64 KiB Buffer: external
 * memory the size of the traffic, which drives V8's full collections (a bulk download through the
 * proxy spent more CPU in the GC than in TLS). A socket made with `onread: reads.onread` reads
 * into buffers of a ReadBuffers instead, and a buffer is read into again only once nothing refers
 * to it any more.
 *
 * Every view of a read lives under one rule: whoever keeps a view past the read's callback keeps
 * what keepRead gives (the view, held; or a copy) and lets it go (releaseRead) exactly once, in
 * the one place its copy is made or its data is dropped. Views consumed within the callback
 * (frames decoded at once, a payload copied) need nothing. A view kept without a hold would be
 * overwritten by a later read: the very bug h2race models (a buffer reused while something still
 * refers to it), here for real. The holders: the frame reader's DATA pieces of a frame straddling
 * reads (frame-reader.ts), a stream's outbound body until its bytes are copied into a frame's
 * lease (outbound-body.ts). Copies: a header block left open (header-block.ts), a response body
 * written to HTTP/1.1 (`keepable`).
 *
 *   Reading ──read callback returns, held──▶ Held ──last release──▶ Free ──handed to a socket──▶ Reading
 *      └──── read callback returns, not held: read into again ────┘  (beyond `maxFree` free: left to the GC)
 *
 * Lifecycle of a ReadBuffers: the owner of the sockets' reads (an upstream pool) makes it;
 * nothing to end (buffers are memory). Of a SocketReads: one per socket, made with the socket;
 * it ends in one place, the socket's 'close' (`closed`), where its buffer goes back free.
 *
 * The reads are handed to the socket's 'data' listeners (Node emits no 'data' of its own with
 * onread) as views valid for that call: for a socket whose every listener keeps nothing past its
 * call without a hold (the engine's transport, a lingering close). A socket read by a Duplex over
 * it (h2race's link) gets copies (`copyReads`). A TLS socket reads its cleartext into the buffers
 * when TLS made the TCP socket itself; TLS over a socket it is given reads that socket on its own.
 */

/** Node's own read size: one read takes what a socket has, up to this. */
const READ_BUFFER_SIZE = 64 * 1024;
/** A shorter view is copied rather than held: holding it would pin a whole read buffer for it. */
const MIN_HELD_VIEW = 4 * 1024;

const ReadBufferPhase = {
  /** A socket reads into it next; no view of it is held. */
  Reading: 0,
  /** Its read is over and some view of it is held. */
  Held: 1,
  /** Nothing refers to it: the next socket that needs one takes it. */
  Free: 2,
} as const;
type ReadBufferPhase = (typeof ReadBufferPhase)[keyof typeof ReadBufferPhase];

class ReadBuffer {
  phase: ReadBufferPhase = ReadBufferPhase.Reading;
  /** Views held (kept by keepRead, not released yet). */
  holds = 0;
  readonly bytes = Buffer.allocUnsafeSlow(READ_BUFFER_SIZE);

  constructor(readonly owner: ReadBuffers) {}
}

/** Each read buffer's record, found from any view of it (a view's ArrayBuffer is the buffer's own). */
const records = new WeakMap<ArrayBufferLike, ReadBuffer>();

/**
 * `view` is kept past the read's callback: what to keep instead. The view itself, held (its buffer
 * is not read into again until releaseRead), or a copy when holding would pin a whole read buffer
 * for little (a view under MIN_HELD_VIEW bytes) or the buffers' owner holds its most already
 * (memory then grows with the bytes kept, as with Node's own reads). Anything not a read's view:
 * itself, nothing held.
 */
export function keepRead(view: Buffer): Buffer {
  const record = records.get(view.buffer);
  if (!record) return view;
  if (view.length < MIN_HELD_VIEW || (record.holds === 0 && record.owner.atHoldLimit)) return Buffer.from(view);
  record.holds++;
  return view;
}

/** What keepRead returned is let go: once, when its bytes are copied or dropped (for a copy, nothing to do). */
export function releaseRead(view: Buffer): void {
  const record = records.get(view.buffer);
  if (!record) return;
  if (record.holds <= 0) throw new Error('releaseRead of a view not kept: a read buffer would be reused while a view of it is queued');
  if (--record.holds === 0 && record.phase === ReadBufferPhase.Held) record.owner.released(record);
}

/** The bytes of `view`, safe to keep without a hold: the view itself, or a copy of a read buffer's bytes. */
export function keepable(view: Buffer): Buffer {
  return records.has(view.buffer) ? Buffer.from(view) : view;
}

export class ReadBuffers {
  /** Buffers made in all. */
  allocated = 0;
  /** Buffers whose read is over and that some view still holds: back to 0 once every holder let go. */
  held = 0;
  /** Sockets reading into one of these buffers now. */
  reading = 0;
  /** Times a buffer was read into again (the same one after an unheld read, or one from the free list). */
  reused = 0;
  private readonly free: ReadBuffer[] = [];

  /**
   * `maxFree`: free buffers kept for the next sockets, more are left to the GC; `maxHeld`: held
   * buffers at most (a stalled client's queued views pin them) before keepRead copies instead.
   */
  constructor(
    private readonly maxFree = 64,
    private readonly maxHeld = 256,
  ) {}

  /** As many buffers are held as may be: a view kept now is copied, not held. */
  get atHoldLimit(): boolean {
    return this.held >= this.maxHeld;
  }

  get freeCount(): number {
    return this.free.length;
  }

  /** The reads of a new socket; pass its `onread` to net.connect / new net.Socket, then attach(). */
  forSocket(): SocketReads {
    return new SocketReads(this);
  }

  /** A buffer for a socket to read into: a free one, or a new one. */
  take(): ReadBuffer {
    this.reading++;
    const record = this.free.pop();
    if (record) {
      record.phase = ReadBufferPhase.Reading;
      this.reused++;
      return record;
    }
    this.allocated++;
    const made = new ReadBuffer(this);
    records.set(made.bytes.buffer, made);
    return made;
  }

  /** A socket stopped reading into `record` (it moved on to another, or closed). */
  leave(record: ReadBuffer): void {
    this.reading--;
    if (record.holds > 0) {
      record.phase = ReadBufferPhase.Held;
      this.held++;
    } else {
      this.toFree(record);
    }
  }

  /** A Held buffer's last hold ended. */
  released(record: ReadBuffer): void {
    this.held--;
    this.toFree(record);
  }

  private toFree(record: ReadBuffer): void {
    record.phase = ReadBufferPhase.Free;
    if (this.free.length < this.maxFree) this.free.push(record);
    else records.delete(record.bytes.buffer);
  }
}

/** One socket's reads: the buffer it reads into now, and where each read goes. */
export class SocketReads {
  private current: ReadBuffer | undefined;
  private socket: { emit(event: 'data', chunk: Buffer): boolean } | undefined;
  /** Each read goes out as a copy: set for a socket whose reader keeps what it reads (a link's Duplex buffers it). */
  private copies = false;
  /** For net.connect({ onread }): Node asks for a buffer at the start and after every read. */
  readonly onread = {
    buffer: (): Buffer => this.next(),
    callback: (nread: number, buf: Uint8Array): boolean => this.read(nread, buf),
  };

  constructor(private readonly buffers: ReadBuffers) {}

  /** The socket made with `onread`: its reads go to its 'data' listeners from now on; its 'close' ends this. */
  attach(socket: { emit(event: 'data', chunk: Buffer): boolean; once(event: 'close', listener: () => void): unknown }): void {
    this.socket = socket;
    socket.once('close', () => this.closed());
  }

  /**
   * The socket's reader keeps what it reads, past the callback and without holds (a Duplex over the
   * socket, as h2race's link is): from now on each read goes out as a copy, as Node's own reads are.
   */
  copyReads(): void {
    this.copies = true;
  }

  /** True: the socket reads on (a listener pauses it with pause(), as with Node's own reads). */
  private read(nread: number, buf: Uint8Array): boolean {
    const view = (buf as Buffer).subarray(0, nread);
    this.socket!.emit('data', this.copies ? Buffer.from(view) : view);
    return true;
  }

  /** After a read: the same buffer again if nothing holds a view of it, else another. */
  private next(): Buffer {
    const current = this.current;
    if (current) {
      if (current.holds === 0) {
        this.buffers.reused++;
        return current.bytes;
      }
      this.buffers.leave(current);
    }
    this.current = this.buffers.take();
    return this.current.bytes;
  }

  /** The one place a socket's reads end: its buffer is no longer read into. */
  private closed(): void {
    const current = this.current;
    if (!current) return;
    this.current = undefined;
    this.buffers.leave(current);
  }
}
