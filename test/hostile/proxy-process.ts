/**
 * A real `h2race proxy` process (node dist/cli/main.js, built by `npm run build`, which `npm ci`
 * runs through `prepare`): started with arguments, its stdout/stderr collected, stopped by signal.
 *
 * Lifecycle: the test that spawns it owns it; kill() is the one place it ends when the test did
 * not end it itself (SIGKILL, so no test leaves a proxy behind).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * Builds dist (as `npm run build` does) when a fresh checkout has none; CI's `npm ci` already did.
 * tsc emits even when another part of the tree does not type-check, so only the file counts.
 */
export function ensureCliBuilt(): void {
  if (existsSync(CLI)) return;
  spawnSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'ignore',
    timeout: 180_000,
  });
  if (!existsSync(CLI)) throw new Error(`building the CLI did not produce ${CLI}`);
}

export interface ProxyProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** `cwd`: where it runs (a temp dir keeps what it writes, such as reports, out of the checkout). */
export function spawnCli(args: string[], options: { cwd?: string } = {}): ProxyProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd });
  const stdout: string[] = [];
  const stderr: string[] = [];
  // A line can arrive in two chunks: only complete lines are pushed, the rest at the stream's end.
  const lines = (stream: NodeJS.ReadableStream, into: string[]) => {
    let partial = '';
    stream.on('data', (chunk: Buffer) => {
      const parts = (partial + chunk.toString()).split('\n');
      partial = parts.pop()!;
      into.push(...parts.filter((l) => l !== ''));
    });
    stream.on('end', () => partial !== '' && into.push(partial));
  };
  lines(child.stdout, stdout);
  lines(child.stderr, stderr);
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    stdout,
    stderr,
    exit,
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** Starts `h2race proxy` and resolves with its TLS port once it printed where it listens. */
export async function startProxyProcess(args: string[]): Promise<ProxyProcess & { port: number }> {
  const p = spawnCli(['proxy', '--log-level', 'silent', ...args]);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const line = p.stdout.find((l) => l.startsWith('h2race proxy on https://'));
    if (line) return { ...p, port: Number(/:(\d+)/.exec(line.slice('h2race proxy on https://'.length))![1]) };
    if (p.child.exitCode !== null || Date.now() > deadline) {
      p.kill();
      throw new Error(`h2race proxy did not start: ${p.stderr.join(' | ') || 'no output'}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
