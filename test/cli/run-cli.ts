/**
 * The built CLI (dist/cli/main.js) run to its end as a real process in a directory of the test's
 * own: its exit code and what it wrote, stdout and stderr apart. Bounded: a run that outlives
 * `timeoutMs` is killed and fails the test that waited for it.
 */
import { expect } from 'vitest';
import { spawnCli } from '../hostile/proxy-process.js';

export interface CliRun {
  code: number | null;
  stdout: string[];
  stderr: string[];
}

export async function runCliProcess(args: string[], cwd: string, timeoutMs = 20_000): Promise<CliRun> {
  const p = spawnCli(args, { cwd });
  const timer = setTimeout(() => p.kill(), timeoutMs);
  const { code, signal } = await p.exit;
  clearTimeout(timer);
  expect(signal, `h2race ${args.join(' ')} was killed: still running after ${timeoutMs} ms`).toBeNull();
  return { code, stdout: p.stdout, stderr: p.stderr };
}
