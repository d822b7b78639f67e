/**
 * h2race's exit codes: the one table every command (and the README's "Exit codes") follows, so a
 * CI job can tell a verdict from a setup mistake from a Ctrl-C.
 */
export const ExitCode = {
  /** Done as asked; scenario/compare: every (safe) run CLEAN. */
  Ok: 0,
  /** scenario/compare: a safe mode (or the scenario's one run) showed collateral damage. */
  Collateral: 1,
  /** proxy/server/origin/proxies/toxic: failed while running (port in use, a config file refused, the API said no). */
  Failed: 1,
  /** A command-line error (unknown flag, bad value, missing file, flags that go together): nothing ran. */
  Usage: 2,
  /** Stopped by SIGINT/SIGTERM before it finished (128 + SIGINT's number, the shell's convention). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
