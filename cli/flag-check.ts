/**
 * The check every command line passes before yargs' own validation (a pre-validation middleware
 * of the top-level yargs): a missing or unknown subcommand, unknown flags, stray arguments and
 * values outside a flag's choices, each a UsageError naming it with the closest valid name. It
 * runs first so that `scenario --targt x` hears about --targt rather than a missing --target.
 *
 * Lifecycle: cli/main.ts makes one per process; `command` is the last command path the check
 * ran in, which names the command in the error line of a handler that failed after yargs left it.
 */
import type { Arguments } from 'yargs';
import { didYouMean } from './nearest.js';
import { UsageError } from './usage-error.js';
import { yargsState } from './yargs-state.js';

const SPECIAL_KEYS = new Set(['_', '$0', '--']);

export class FlagCheck {
  command: string | undefined;

  readonly middleware = (argv: Arguments, y: unknown): void => {
    const state = yargsState(y);
    // The outer command's middleware runs again after a subcommand's handler: nothing to check.
    if (state.ran) return;
    this.command = state.commands.join(' ') || undefined;
    const extra = argv._.slice(state.commands.length).map(String);
    if (state.subcommands.length > 0) {
      // Only reached when no subcommand matched (a matched one runs its own middleware instead).
      if (extra.length === 0) throw new UsageError(`name a command: ${state.subcommands.join(', ')}`);
      throw new UsageError(`unknown command "${extra[0]}"${didYouMean(extra[0]!, state.subcommandsAndAliases)}`);
    }
    const unknown = unknownFlags(argv, [...state.flags, ...Object.keys(state.aliases)]);
    if (unknown.length > 0) {
      const named = unknown.map((k) => `${flag(k)}${didYouMean(k, state.flags.filter((f) => f.length > 1), flag)}`);
      throw new UsageError(`unknown flag${named.length > 1 ? 's' : ''} ${named.join(', ')}`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => JSON.stringify(a)).join(', ')}`);
    for (const [key, choices] of Object.entries(state.choices)) {
      const given = argv[key];
      for (const value of (Array.isArray(given) ? given : given === undefined ? [] : [given]).map(String)) {
        if (!choices.includes(value)) {
          throw new UsageError(`${flag(key)} "${value}" is not one of ${choices.join(', ')}${didYouMean(value, choices)}`);
        }
      }
    }
  };
}

/** `--name`, or `-n` for a one-letter alias. */
export function flag(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/** Keys yargs-parser set that no flag, alias or positional owns; `--foo-bar` once, not also as fooBar. */
function unknownFlags(argv: Arguments, known: readonly string[]): string[] {
  const knownCamel = new Set(known.map(camel));
  const unknown = Object.keys(argv).filter((k) => !SPECIAL_KEYS.has(k) && !knownCamel.has(camel(k)));
  // yargs-parser adds a camelCase copy of each kebab-case key; the kebab one is what was typed.
  return unknown.filter((k) => !unknown.some((other) => other !== k && other.includes('-') && camel(other) === k));
}

function camel(key: string): string {
  return key.replace(/-+([^-])/g, (_, c: string) => c.toUpperCase());
}
