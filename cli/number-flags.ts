/**
 * Number flags checked as they were typed. yargs' `type: 'number'` turns `--seed abc` into NaN
 * and lets it through; these flags take the word as given and refuse it in one line naming the
 * flag, the rule and the value: `--seed must be an integer, got "abc"` (a UsageError, which yargs
 * reports through cli/failure.ts).
 */
import type { Options } from 'yargs';
import { UsageError } from './usage-error.js';

export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** An exclusive lower bound (a duration must be above 0). */
  above?: number;
}

export type NumberFlag = Omit<Options, 'type' | 'coerce'> & NumberRule;

/** yargs options whose coerce yields a number (yargs infers the flag's type from it). */
export type NumberOption = Options & { coerce: (value: unknown) => number };

/** yargs options for each number flag, with its rule applied while parsing. */
export function numberFlags<K extends string>(flags: Record<K, NumberFlag>): Record<K, NumberOption> {
  const out = {} as Record<K, NumberOption>;
  for (const name of Object.keys(flags) as K[]) {
    const { integer, min, max, above, ...options } = flags[name];
    const rule = { integer, min, max, above };
    // No yargs type: yargs-parser then hands over a number, or the word as typed when it is none.
    out[name] = { requiresArg: true, ...options, coerce: (value: unknown) => checkNumber(name, rule, value) };
  }
  return out;
}

function checkNumber(name: string, rule: NumberRule, value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!meetsRule(rule, n)) throw new UsageError(`--${name} must be ${describeRule(rule)}, got ${JSON.stringify(String(value))}`);
  return n;
}

/** `n` is finite and within the rule. */
export function meetsRule(rule: NumberRule, n: number): boolean {
  return (
    Number.isFinite(n) &&
    (!rule.integer || Number.isSafeInteger(n)) &&
    (rule.min === undefined || n >= rule.min) &&
    (rule.max === undefined || n <= rule.max) &&
    (rule.above === undefined || n > rule.above)
  );
}

/** `an integer from 1 to 1000`, `a number above 0`, `an integer`. */
export function describeRule({ integer, min, max, above }: NumberRule): string {
  const kind = integer ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  const bounds = [above !== undefined ? `above ${above}` : undefined, min !== undefined ? `at least ${min}` : undefined, max !== undefined ? `at most ${max}` : undefined];
  const said = bounds.filter((b) => b !== undefined).join(' and ');
  return said === '' ? kind : `${kind} ${said}`;
}
