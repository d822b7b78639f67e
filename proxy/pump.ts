/**
 * Moves a body from `src` to `dst` with backpressure both ways: `src` pauses while `dst` is full
 * and resumes on 'drain', so the proxy never reads a body faster than the far side takes it (on
 * HTTP/2 a paused stream withholds its WINDOW_UPDATEs). One closure per body, nothing per chunk.
 * `dst` is not ended here: trailers may have to go first.
 */
import type { Readable, Writable } from 'node:stream';

export interface Pump {
  bytes: number;
  /** Stops moving data and leaves `src` paused with anything unread still buffered in it. */
  detach(): void;
}

export function pump(src: Readable, dst: Writable, onEnd: () => void): Pump {
  const p: Pump = { bytes: 0, detach };
  const onData = (chunk: Buffer) => {
    p.bytes += chunk.length;
    if (!dst.write(chunk)) src.pause();
  };
  const onDrain = () => src.resume();
  src.on('data', onData);
  src.once('end', onEnd);
  dst.on('drain', onDrain);
  function detach(): void {
    src.off('data', onData);
    src.off('end', onEnd);
    dst.off('drain', onDrain);
    src.pause();
  }
  return p;
}
