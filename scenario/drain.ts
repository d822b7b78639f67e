/**
 * The end of a run's activity. After the duration no viewer seeks or asks for more, and each sends
 * a PING on its connection: the server answers it after it has read every cancel of the run, and
 * the answer arrives behind everything the server wrote before — so once every answer is in, any
 * damage a cancel did has arrived too. Over a shaped path that takes as long as the bytes queued
 * in front need to cross the link: megabytes on loopback (the server's kernel send buffer), so
 * seconds to tens of seconds. The wait is bounded by DRAIN_LIMIT_MS.
 */
import type { RunRecorder } from './recorder.js';
import type { DrainRecord } from './types.js';

const DRAIN_LIMIT_MS = 60_000;

/** A simulated client that can stop its activity and tell when what it asked for has arrived. */
export interface Drainable {
  drain(): Promise<void>;
}

export async function drainViewers(viewers: readonly Drainable[], recorder: RunRecorder, signal: AbortSignal | undefined): Promise<DrainRecord> {
  const fromMs = recorder.now();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const limit = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), DRAIN_LIMIT_MS);
    onAbort = () => resolve(false);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const answered = await Promise.race([Promise.all(viewers.map((v) => v.drain())).then(() => true), limit]);
    return { fromMs, answeredMs: answered ? recorder.now() : undefined, limitMs: DRAIN_LIMIT_MS };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
