/**
 * The one logger factory of h2race. Every part takes a pino logger in its constructor; the CLI
 * creates it here, tests pass `createLogger({ level: 'silent' })`.
 */
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** pino level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'. */
  level?: string;
  /** Where lines go: a stream, a file path, or a file descriptor. Default: stdout. */
  destination?: DestinationStream | string | number;
  /** Name put on every line (e.g. the subcommand). */
  name?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const { level = 'info', destination, name } = opts;
  const options = { level, name, base: undefined };
  if (destination === undefined) return pino(options);
  if (typeof destination === 'string' || typeof destination === 'number') {
    return pino(options, pino.destination({ dest: destination, sync: false, mkdir: true }));
  }
  return pino(options, destination);
}

/** A logger that writes nothing: for tests and library use without logging. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
