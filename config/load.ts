/**
 * Reads a config file (YAML or JSON, by extension; YAML otherwise, which also reads JSON) and
 * validates it. Every failure is a ConfigError whose one-line message names the file and the
 * field path: `h2race.yaml: proxy.upstream.maxSessions: Too small: expected number to be >=1`.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export async function loadConfigFile(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid ${extname(file).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${firstLine((err as Error).message)}`);
  }
  return validate(configSchema, raw ?? {}, file);
}

/** Parses `value` with `schema`; on failure a ConfigError naming `source` and the field path. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  throw new ConfigError(`${source}: ${path === '' ? '' : `${path}: `}${firstLine(issue.message)}`);
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0]!;
}
