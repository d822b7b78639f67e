/**
 * A command-line mistake: an unknown flag, a bad value, a missing file, flags that go together.
 * The message names the flag or value (and the closest valid one when there is one); cli/main.ts
 * prints it as the one line `h2race <command>: <message>` and exits with ExitCode.Usage. Anything
 * else a command throws failed while running (ExitCode.Failed).
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
