/**
 * Cuts a byte stream into whole frames (RFC 9113 §4.1). A frame inside one chunk is handed out as
 * a view of that chunk; a frame split across chunks is assembled, into a buffer of its own —
 * except an unpadded DATA frame when the sink takes pieces: its payload goes out as views of the
 * chunks it came in. Bulk downloads split one frame per socket read, and assembling it cost a copy
 * and a fresh buffer (external memory, which drives V8's mark-compacts) for a quarter of the bytes.
 * The sink sees each header before its payload is read, so a frame it refuses (too long, out of
 * sequence) is never buffered.
 *
 * A chunk may be a reused socket read (h2/frame/read-buffers.ts), read into again once the
 * transport's callback returns: the views of a DATA frame straddling chunks are kept (keepRead:
 * held, or copied) from the moment they are stored (`pieces`) until the frame goes out whole (onDataPieces, whose callee holds
 * what it keeps) or is assembled (a copy) or the reader is dropped — `letPiecesGo`, the one place
 * those holds end. The piece that completes the frame is never stored: it goes out raw, within its
 * chunk's call. Everything else handed out is a view valid during the call, or a copy.
 *
 * Lifecycle: one per connection direction, owned by whoever reads the connection; it ends with
 * `drop()` (the connection closed), which lets go of a split frame's pieces.
 */
import { keepRead, releaseRead } from './read-buffers.js';
import { FRAME_HEADER_LENGTH, FrameFlag, FrameType } from './constants.js';
import { readFrameHeader, writeFrameHeader, type FrameHeader } from './codec.js';

/** Views one DATA frame may arrive in before it is assembled instead (assembleFromPieces). */
const MAX_DATA_PIECES = 8;

export interface FrameSink {
  /** A frame's header, before its payload: throw to refuse the frame (the reader is unusable after). */
  checkFrameHeader(header: FrameHeader): void;
  /** A whole frame: `frame` holds header and payload, [0, 9 + header.length). */
  onFrame(header: FrameHeader, frame: Buffer): void;
  /**
   * An unpadded DATA frame split across chunks: its payload as views of those chunks, in order,
   * none empty. Called only by a reader made with `dataPieces`; otherwise every frame comes whole.
   */
  onDataPieces?(header: FrameHeader, pieces: Buffer[]): void;
}

export class FrameReader {
  /** A frame split across chunks, being assembled; the header scratch while its header is incomplete. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  /** The split frame's header, read once when its 9 bytes are in (unset while they are not). */
  private partialHeader: FrameHeader | undefined;
  private readonly headerScratch = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  /** A split DATA frame's payload views so far (onDataPieces), and how many bytes are still to come. */
  private pieces: Buffer[] | undefined;
  private piecesLeft = 0;

  /** `dataPieces`: split unpadded DATA frames go to sink.onDataPieces instead of being assembled. */
  constructor(
    private readonly sink: FrameSink,
    private readonly dataPieces = false,
  ) {}

  /** Feeds chunk[at..]; the sink's exceptions propagate, and the rest of the chunk is not read. */
  feed(chunk: Buffer, at = 0): void {
    const sink = this.sink;
    while (at < chunk.length) {
      if (this.pieces) {
        at = this.continuePieces(chunk, at);
        continue;
      }
      if (this.partial) {
        at = this.continuePartial(chunk, at);
        continue;
      }
      const available = chunk.length - at;
      if (available < FRAME_HEADER_LENGTH) {
        this.partial = this.headerScratch;
        chunk.copy(this.partial, 0, at);
        this.partialFill = available;
        return;
      }
      const header = readFrameHeader(chunk, at);
      sink.checkFrameHeader(header);
      const total = FRAME_HEADER_LENGTH + header.length;
      if (available < total) {
        if (header.type === FrameType.DATA && !(header.flags & FrameFlag.PADDED) && this.dataPieces) {
          this.pieces = available > FRAME_HEADER_LENGTH ? [keepRead(chunk.subarray(at + FRAME_HEADER_LENGTH))] : [];
          this.piecesLeft = total - available;
          this.partialHeader = header;
          return;
        }
        this.partial = Buffer.allocUnsafe(total);
        this.partialHeader = header;
        chunk.copy(this.partial, 0, at);
        this.partialFill = available;
        return;
      }
      sink.onFrame(header, chunk.subarray(at, at + total));
      at += total;
    }
  }

  private continuePieces(chunk: Buffer, at: number): number {
    const n = Math.min(this.piecesLeft, chunk.length - at);
    const pieces = this.pieces!;
    if (pieces.length === MAX_DATA_PIECES) {
      this.assembleFromPieces(pieces);
      return this.continuePartial(chunk, at);
    }
    const view = chunk.subarray(at, at + n);
    if (n < this.piecesLeft) {
      pieces.push(keepRead(view));
      this.piecesLeft -= n;
      return at + n;
    }
    // The last piece is used up within this chunk's call, as a whole frame's view is (a callee
    // that keeps it keeps it itself): handed over as it is, neither kept nor released.
    pieces.push(view);
    this.piecesLeft = 0;
    const header = this.partialHeader!;
    this.pieces = this.partialHeader = undefined;
    try {
      this.sink.onDataPieces!(header, pieces);
    } finally {
      letPiecesGo(pieces, pieces.length - 1);
    }
    return at + n;
  }

  /** The connection is gone: a split frame's pieces are let go, the frame never completes. */
  drop(): void {
    const pieces = this.pieces;
    this.pieces = this.partial = this.partialHeader = undefined;
    this.partialFill = 0;
    if (pieces) letPiecesGo(pieces);
  }

  /**
   * A frame arriving in many small reads goes back to being assembled: each piece is a view that
   * keeps its whole read alive, so a peer trickling a frame a byte at a time would otherwise pin a
   * Buffer object per byte. Assembling copies at most the frame's length.
   */
  private assembleFromPieces(pieces: Buffer[]): void {
    const header = this.partialHeader!;
    const whole = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + header.length);
    writeFrameHeader(whole, header);
    let fill = FRAME_HEADER_LENGTH;
    for (const piece of pieces) fill += piece.copy(whole, fill);
    letPiecesGo(pieces);
    this.pieces = undefined;
    this.partial = whole;
    this.partialFill = fill;
  }

  private continuePartial(chunk: Buffer, at: number): number {
    let partial = this.partial!;
    if (partial === this.headerScratch) {
      const n = Math.min(FRAME_HEADER_LENGTH - this.partialFill, chunk.length - at);
      chunk.copy(partial, this.partialFill, at, at + n);
      this.partialFill += n;
      at += n;
      if (this.partialFill < FRAME_HEADER_LENGTH) return at;
      const header = readFrameHeader(partial);
      this.sink.checkFrameHeader(header);
      const whole = Buffer.allocUnsafe(FRAME_HEADER_LENGTH + header.length);
      partial.copy(whole);
      this.partial = partial = whole;
      this.partialHeader = header;
    }
    const n = Math.min(partial.length - this.partialFill, chunk.length - at);
    chunk.copy(partial, this.partialFill, at, at + n);
    this.partialFill += n;
    at += n;
    if (this.partialFill === partial.length) {
      // The header checkFrameHeader saw: the frame is not parsed a second time.
      const header = this.partialHeader!;
      this.partial = this.partialHeader = undefined;
      this.partialFill = 0;
      this.sink.onFrame(header, partial);
    }
    return at;
  }
}

/** The one place a split frame's pieces (the first `kept`, each kept with keepRead) are let go. */
function letPiecesGo(pieces: Buffer[], kept = pieces.length): void {
  for (let i = 0; i < kept; i++) releaseRead(pieces[i]!);
}
