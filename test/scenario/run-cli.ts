/**
 * `h2race scenario` / `h2race compare` in-process through yargs with the command modules
 * cli/main.ts registers; returns what they printed on stdout.
 */
import { vi } from 'vitest';
import yargs from 'yargs';
import { compareCommand } from '../../cli/compare-command.js';
import { scenarioCommand } from '../../cli/scenario-command.js';

export async function runCli(...argv: string[]): Promise<string> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    await yargs().scriptName('h2race').strict().command(scenarioCommand).command(compareCommand).parseAsync(argv);
  } finally {
    spy.mockRestore();
  }
  return out;
}
