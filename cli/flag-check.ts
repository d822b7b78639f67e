/**
 * The check every command line passes before yargs' own validation (a pre-validation middleware
 * of the top-level yargs): a missing or unknown subcommand, unknown flags, a flag given twice,
 * stray arguments and values outside a flag's choices, each a UsageError naming it with the
 * closest valid name. It runs first so that `scenario --targt x` hears about --targt rather than
 * a missing --target. A flag given twice is found in the words as typed: yargs-parser adds up
 * `--seed 3 --seed 1` into 4 (a repeated 1 counts as an increment), so its result cannot tell.
 *
 * Lifecycle: cli/main.ts makes one per process; `command` is the last command path the check
 * ran in, which names the command in the error line of a handler that failed after yargs left it.
 */
import type { Arguments } from 'yargs';
import { didYouMean } from './nearest.js';
import { UsageError } from './usage-error.js';
import { yargsState, type YargsState } from './yargs-state.js';

const SPECIAL_KEYS = new Set(['_', '$0', '--']);

export class FlagCheck {
  command: string | undefined;

  /** `words`: the command line as typed (without node and the script). */
  constructor(private readonly words: readonly string[]) {}

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
    const repeated = repeatedFlag(this.words, state);
    if (repeated) throw new UsageError(`${flag(repeated.key)} given ${repeated.times} times: give it once`);
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

/** The first flag (of those that take one value) the words give more than once, under any of its names. */
function repeatedFlag(words: readonly string[], state: YargsState): { key: string; times: number } | undefined {
  const owner = new Map<string, string>(state.keys.map((k) => [camel(k), k]));
  for (const [key, aliases] of Object.entries(state.aliases)) for (const a of aliases) owner.set(camel(a), key);
  const times = new Map<string, number>();
  for (const word of words) {
    if (word === '--') break;
    // `--name`, `--name=v`, `--no-name`; `-t`, `-ud` (one-letter aliases together); not `-1`.
    const names = word.startsWith('--') ? [word.slice(2).split('=')[0]!] : /^-[a-zA-Z]/.test(word) ? [...word.slice(1).split('=')[0]!] : [];
    for (const name of names) {
      const key = owner.get(camel(name)) ?? (name.startsWith('no-') ? owner.get(camel(name.slice(3))) : undefined);
      if (key !== undefined && !state.repeatable.includes(key)) times.set(key, (times.get(key) ?? 0) + 1);
    }
  }
  const [key, n] = [...times].find(([, n]) => n > 1) ?? [];
  return key === undefined ? undefined : { key, times: n! };
}

function camel(key: string): string {
  return key.replace(/-+([^-])/g, (_, c: string) => c.toUpperCase());
}
