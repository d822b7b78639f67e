/**
 * h2race's exit codes: the one table every command (and the README's "Exit codes") follows, so a
 * CI job can tell a verdict from a setup mistake from a Ctrl-C.
 */
import type { Verdict } from '../scenario/run-summary.js';

export const ExitCode = {
  /** Done as asked; scenario/compare: every (safe) run CLEAN. */
  Ok: 0,
  /** scenario/compare: a safe mode (or the scenario's one run) showed collateral damage. */
  Collateral: 1,
  /** proxy/server/origin/proxies/toxic: failed while running (port in use, a config file refused, the API said no). */
  Failed: 1,
  /** A command-line error (unknown flag, bad value, missing file, flags that go together): nothing ran. */
  Usage: 2,
  /** scenario/compare: could not test (verdict ERROR): the preflight failed, or nothing played. */
  CouldNotTest: 3,
  /** scenario/compare: no collateral damage, but the origin refused or failed streams one by one (ORIGIN-ERRORS). */
  OriginErrors: 4,
  /** Stopped by SIGINT/SIGTERM before it finished (128 + SIGINT's number, the shell's convention). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The exit code of a scenario's verdict, or of compare's worst safe-mode verdict. */
export function verdictExitCode(verdict: Verdict): ExitCode {
  const codes: Record<Verdict, ExitCode> = {
    CLEAN: ExitCode.Ok,
    COLLATERAL: ExitCode.Collateral,
    ERROR: ExitCode.CouldNotTest,
    'ORIGIN-ERRORS': ExitCode.OriginErrors,
  };
  return codes[verdict];
}

/** The --help epilog of scenario and compare. */
export const VERDICT_EXIT_CODES_HELP = `Exit codes: 0 CLEAN; 1 COLLATERAL (streams nobody cancelled died with their connection, or bytes were corrupted); \
2 command-line error; 3 ERROR (could not test: target down, TLS refused, a path not 200/206, the events path not text/event-stream, \
nothing played); 4 ORIGIN-ERRORS (no collateral damage, but the origin refused or failed streams one by one); 130 interrupted. \
compare reports the worst verdict of the safe modes (none, discard-on-reset, retain).`;
