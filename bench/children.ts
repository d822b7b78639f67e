/**
 * The processes the bench starts, and the one place where they end.
 *
 * Every child is spawned in its own process group (`detached`), so stopping it kills the group:
 * nghttpx's and HAProxy's workers go with their master. `stopAll()` is the normal end; the
 * signal/exit hooks installed by `installExitHooks()` are the end on Ctrl-C, SIGTERM or a crash.
 * A bench killed with SIGKILL runs no hook: node children (origin, h2race, the plain forward) then
 * exit when their IPC channel closes, and every child is started through util-linux `setpriv
 * --pdeathsig SIGKILL` when it is installed, so the kernel kills it when the bench dies.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { runningInGroup } from './proc-stats.js';
import { findExecutable } from './tools.js';

const SETPRIV = findExecutable('setpriv');

export interface StartedChild {
  name: string;
  pid: number;
  process: ChildProcess;
  /** Resolves when the process has exited (with its exit code or signal). */
  exited: Promise<string>;
  /** Last lines of stderr+stdout, kept to explain a failure. */
  output(): string;
}

const OUTPUT_KEEP = 8_192;

export class ChildProcesses {
  private readonly children = new Map<number, StartedChild>();
  private readonly startedPids: Array<{ name: string; pid: number }> = [];
  /** Set on a signal: whatever the bench was about to start is not started any more. */
  private closed = false;

  /** Every child ever started in this run, for the report and for leak checks. */
  get started(): ReadonlyArray<{ name: string; pid: number }> {
    return this.startedPids;
  }

  spawn(name: string, command: string, args: string[], options: SpawnOptions = {}): StartedChild {
    if (this.closed) throw new Error(`not starting ${name}: the bench is stopping`);
    const [file, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', command, ...args]] : [command, args];
    const child = spawn(file, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
      detached: true,
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${name} (${command})`);
    }
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const pid = child.pid;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        this.children.delete(pid);
        resolve(signal ?? `exit ${code}`);
      });
    });
    const started: StartedChild = { name, pid, process: child, exited, output: () => output };
    this.children.set(pid, started);
    this.startedPids.push({ name, pid });
    return started;
  }

  /** Stop one child: SIGTERM to its group, SIGKILL after `graceMs`. */
  async stop(child: StartedChild, graceMs = 2_000): Promise<void> {
    if (!this.children.has(child.pid)) return;
    killGroup(child.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), graceMs);
    await child.exited;
    clearTimeout(timer);
    // The leader is gone; make sure no worker of its group outlives it, and wait until the kernel
    // has removed them (a check right after the bench must find nothing).
    killGroup(child.pid, 'SIGKILL');
    for (let i = 0; i < 100 && runningInGroup(child.pid).length > 0; i++) await sleep(10);
  }

  async stopAll(graceMs = 2_000): Promise<void> {
    await Promise.all([...this.children.values()].map((c) => this.stop(c, graceMs)));
  }

  /** Synchronous last resort (process 'exit' cannot wait): SIGKILL every group still running. */
  killAllNow(): void {
    for (const pid of this.children.keys()) killGroup(pid, 'SIGKILL');
  }

  /**
   * Stop every child on Ctrl-C, SIGTERM, an uncaught error or plain exit. Returns a function that
   * removes the hooks again (the bench calls it once it has stopped everything itself).
   */
  installExitHooks(onSignal: (signal: NodeJS.Signals) => void): () => void {
    const onExit = (): void => this.killAllNow();
    const signalHandler = (signal: NodeJS.Signals): void => {
      this.closed = true;
      void this.stopAll(500).finally(() => onSignal(signal));
    };
    const onCrash = (error: unknown): void => {
      console.error(error);
      this.killAllNow();
      process.exit(1);
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hooks take different listener signatures; process.on's string overload takes any[] too
    const hooks: [string, (...args: any[]) => void][] = [
      ['exit', onExit],
      ['SIGINT', signalHandler],
      ['SIGTERM', signalHandler],
      ['SIGHUP', signalHandler],
      ['uncaughtException', onCrash],
      ['unhandledRejection', onCrash],
    ];
    for (const [event, hook] of hooks) process.on(event, hook);
    return () => {
      for (const [event, hook] of hooks) process.off(event, hook);
    };
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}
