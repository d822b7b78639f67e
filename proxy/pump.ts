/**
 * Moves a body from `src` to `dst` with backpressure both ways: `src` pauses while `dst` is full
 * and resumes once it drained, so the proxy never reads a body faster than the far side takes it
 * (on HTTP/2 a paused stream withholds its WINDOW_UPDATEs). One closure per body, nothing per
 * chunk. `dst` is not ended here: trailers may have to go first.
 */
import type { Readable, Writable } from 'node:stream';
import type { DownstreamBridge } from './downstream-bridge.js';

export interface Pump {
  bytes: number;
  /** Stops moving data and leaves `src` paused with anything unread still buffered in it. */
  detach: () => void;
}

/** A pump whose `write` says when it is full (false); its owner calls `drained` when it can take more. */
export interface WritePump extends Pump {
  drained: () => void;
}

/** Into a Writable: its own 'drain' resumes `src`. */
export function pump(src: Readable, dst: Writable, onEnd: () => void): Pump {
  const p = pumpTo(src, (chunk) => dst.write(chunk), onEnd);
  const detach = p.detach;
  dst.on('drain', p.drained);
  p.detach = () => {
    detach();
    dst.off('drain', p.drained);
  };
  return p;
}

/** Into a write function (an engine stream's write): the owner hears its drain and calls `drained`. */
export function pumpTo(src: Readable, write: (chunk: Buffer) => boolean, onEnd: () => void): WritePump {
  let attached = true;
  const p: WritePump = { bytes: 0, detach, drained: () => attached && src.resume() };
  const onData = (chunk: Buffer) => {
    p.bytes += chunk.length;
    if (!write(chunk)) src.pause();
  };
  src.on('data', onData);
  src.once('end', onEnd);
  function detach(): void {
    attached = false;
    src.off('data', onData);
    src.off('end', onEnd);
    src.pause();
  }
  return p;
}

/** From a downstream bridge's request body (by callback, no Node stream) into a write function. */
export function bridgePump(bridge: DownstreamBridge, write: (chunk: Buffer) => boolean, onEnd: () => void): WritePump {
  let attached = true;
  const p: WritePump = {
    bytes: 0,
    detach: () => {
      attached = false;
      bridge.stopReading();
    },
    drained: () => attached && bridge.resume(),
  };
  bridge.readBody({
    onData: (chunk) => {
      p.bytes += chunk.length;
      return write(chunk);
    },
    onEnd,
  });
  return p;
}
