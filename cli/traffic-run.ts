/**
 * The run `h2race scenario` and `h2race compare` share around their traffic: Ctrl-C aborts it
 * (signals.ts), a target that cannot be tested (a PreflightError) and an interrupt are outcomes
 * the command reports, any other failure is thrown.
 *
 * Lifecycle: runTraffic owns the interrupt handlers, the progress bar and the verifier it is
 * given; all three end in its finally, before the command writes its outputs.
 */
import { PreflightError } from '../scenario/preflight.js';
import type { ContentVerifier } from '../scenario/verifier.js';
import { abortOnSignal } from './signals.js';

export type TrafficOutcome<T> =
  | { kind: 'done'; result: T }
  | { kind: 'could-not-test'; error: PreflightError }
  | { kind: 'interrupted' };

export async function runTraffic<T>(
  owned: { verifier: ContentVerifier; bar: { stop(): void } },
  work: (signal: AbortSignal) => Promise<T>,
): Promise<TrafficOutcome<T>> {
  // Ctrl-C ends the run through its finally blocks (viewers, relays, proxies) first.
  const interrupt = abortOnSignal();
  try {
    return await work(interrupt.signal).then(
      (result): TrafficOutcome<T> => ({ kind: 'done', result }),
      (err: unknown): TrafficOutcome<T> => {
        if (err instanceof PreflightError) return { kind: 'could-not-test', error: err };
        if (!interrupt.signal.aborted) throw err;
        return { kind: 'interrupted' };
      },
    );
  } finally {
    interrupt.dispose();
    owned.bar.stop();
    await owned.verifier.close();
  }
}
