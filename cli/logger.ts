/**
 * The commands' loggers: pino lines go to stderr, so stdout carries only what a command prints
 * for its user (the table, --json, the startup lines) and `--json > file` stays valid JSON.
 */
import { createLogger, type Logger } from '../proxy/log.js';

/** pino's levels: the choices of --log-level. */
export const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export function stderrLogger(name: string, level: string): Logger {
  return createLogger({ level, name, destination: process.stderr });
}
