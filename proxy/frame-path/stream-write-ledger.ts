/**
 * Which of each stream's outbound frames the downstream link wrote to the client's socket, for
 * the stream log (proxy/connection-wrapper.ts: DeliveryLedger). A stream is done in the engine
 * once its frames are handed to the transport; on a shaped link they may sit in the link for
 * seconds after, or never go out when the connection dies first.
 *
 * Lifecycle: owned by one EnginePath, whose LinkTransport reports every frame (`queued`) and where that
 * lease leaves it (`settled`: written, or dropped). A stream's entry is opened by the proxy when
 * the stream arrives and ends in `finish`, once the proxy has asked `whenSettled` and none of the
 * stream's frames is pending: the listener hears it there, exactly once.
 */
import type { DeliveryLedger, DeliveryListener, StreamDelivery } from '../connection-wrapper.js';
import { FrameFlag, FrameType } from '../../h2/frame/constants.js';
import type { FrameHeader } from '../../h2/frame/codec.js';
import { StreamTable } from '../../h2/proto/stream-table.js';

/** A stream's delivery so far. A class, not a literal per stream: V8 may pretenure a literal's allocation site (proxy/forward.ts says why that costs). */
class Entry implements StreamDelivery {
  bodyBytes = 0;
  lastWriteAt: number | undefined = undefined;
  endWritten = false;
  injectedCancel = false;
  /** Frames leased for the stream and not yet written or dropped. */
  pending = 0;
  /** Set by whenSettled: the stream has closed and waits for its frames. */
  listener: DeliveryListener | undefined = undefined;
}

export class StreamWriteLedger implements DeliveryLedger {
  /** Not a Map: streams enter and leave it at the request rate (stream-table.ts says why that matters). */
  private readonly streams = new StreamTable<Entry>();

  open(streamId: number): void {
    this.streams.set(streamId, new Entry());
  }

  whenSettled(streamId: number, listener: DeliveryListener): void {
    const entry = this.streams.get(streamId);
    if (!entry) return listener.delivered(new Entry());
    entry.listener = listener;
    if (entry.pending === 0) this.finish(streamId, entry);
  }

  /** A frame of `header` was leased: it is on its way to the socket. */
  queued(header: FrameHeader): void {
    const entry = this.streams.get(header.streamId);
    if (entry) entry.pending++;
  }

  /**
   * The frame of `header` (read when it was queued) left the link: `written` to the socket,
   * or dropped. Its bytes are not read here: by now a pool race may have given its buffer to
   * another frame. A DATA frame's payload is all body: the engine does not pad.
   */
  settled(header: FrameHeader, written: boolean): void {
    const entry = this.streams.get(header.streamId);
    if (!entry) return;
    if (written) {
      if (header.type === FrameType.DATA) {
        entry.bodyBytes += header.length;
        entry.lastWriteAt = performance.now();
      }
      if (header.flags & FrameFlag.END_STREAM && (header.type === FrameType.DATA || header.type === FrameType.HEADERS)) {
        entry.endWritten = true;
      }
    }
    if (--entry.pending === 0 && entry.listener) this.finish(header.streamId, entry);
  }

  /** rst_inject cancelled the stream. */
  injectedCancel(streamId: number): void {
    const entry = this.streams.get(streamId);
    if (entry) entry.injectedCancel = true;
  }

  private finish(streamId: number, entry: Entry): void {
    this.streams.delete(streamId);
    entry.listener!.delivered(entry);
  }
}
