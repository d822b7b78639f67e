/**
 * What a failed command line prints and exits with: one line `h2race <command>: <what>` on stderr.
 * A usage mistake (UsageError, a flag's value refused while parsing, or one of yargs' own checks,
 * reworded here to name the flag) exits ExitCode.Usage with no help text; anything else failed
 * while running and exits ExitCode.Failed.
 */
import { ExitCode } from './exit-codes.js';
import { flag } from './flag-check.js';
import { UsageError } from './usage-error.js';

export interface Failure {
  line: string;
  code: ExitCode;
}

/**
 * `message` is yargs' own (validation) message, `err` what was thrown; `usage` is the command's
 * usage string (`$0 toxic add <proxy>`), which names a missing positional.
 */
export function describeFailure(command: string | undefined, message: string | null | undefined, err: Error | undefined, usage?: string): Failure {
  const prefix = `h2race${command ? ` ${command}` : ''}: `;
  if (err && !(err instanceof UsageError) && err.name !== 'YError') {
    return { line: prefix + oneLine(err.message), code: ExitCode.Failed };
  }
  const text = err?.message ?? message ?? 'command line not understood';
  return { line: prefix + (err instanceof UsageError ? oneLine(text) : reword(text, usage)), code: ExitCode.Usage };
}

/** yargs' English messages (the parser runs with locale 'en'), said the way h2race says them. */
function reword(message: string, usage: string | undefined): string {
  let m = /^Missing required arguments?: ([^\n]+)/.exec(message);
  if (m) {
    const names = m[1]!.split(', ').map(flag);
    return `missing required flag${names.length > 1 ? 's' : ''} ${names.join(', ')}`;
  }
  m = /^Not enough arguments following: (\S+)/.exec(message);
  if (m) return `${flag(m[1]!)} needs a value`;
  m = /^Arguments (\S+) and (\S+) are mutually exclusive/.exec(message);
  if (m) return `${flag(m[1]!)} and ${flag(m[2]!)} exclude each other`;
  m = /^Not enough non-option arguments: got (\d+), need at least (\d+)/.exec(message);
  if (m && usage) {
    const positionals = usage.match(/<[^>]+>/g) ?? [];
    const missing = positionals.slice(Number(m[1]));
    if (missing.length > 0) return `missing ${missing.join(' ')}: ${usage.replace(/^\$0/, 'h2race')}`;
  }
  return oneLine(message);
}

function oneLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '').join('; ');
}
