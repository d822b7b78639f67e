import { ExitCode } from './exit-codes.js';

/**
 * The long-running commands' end: the first SIGINT or SIGTERM resolves (a graceful stop), a second
 * one calls `onSecond` (default: exit at once, as without a handler). Call it before printing the startup lines: a script that signals as soon
 * as it reads them must not meet Node's default action, which ends the process at once.
 */
export function untilSignal(onSecond: () => void = () => process.exit(ExitCode.Interrupted)): Promise<void> {
  return new Promise<void>((resolve) => {
    const first = () => {
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      process.once('SIGINT', onSecond);
      process.once('SIGTERM', onSecond);
      resolve();
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}

export interface Interrupt {
  /** Aborted by the first SIGINT/SIGTERM: the run closes what it started, then the command reports. */
  readonly signal: AbortSignal;
  /** Removes the handlers; the command's finally calls it. */
  dispose(): void;
}

/**
 * For the commands that run to an end (scenario, compare): the first SIGINT or SIGTERM aborts the
 * run, so it ends through its own cleanup and the command prints what it has; a second one exits
 * at once (ExitCode.Interrupted), for a cleanup that hangs.
 */
export function abortOnSignal(): Interrupt {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
