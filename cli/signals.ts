/**
 * The long-running commands' end: the first SIGINT or SIGTERM resolves (a graceful stop), a second
 * one calls `onSecond` (default: exit at once, as without a handler). Call it before printing the startup lines: a script that signals as soon
 * as it reads them must not meet Node's default action, which ends the process at once.
 */
export function untilSignal(onSecond: () => void = () => process.exit(130)): Promise<void> {
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
