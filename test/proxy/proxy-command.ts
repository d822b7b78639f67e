/** `h2race proxy` run in-process through proxyMain, as the CLI tests of this folder run it. */
import { proxyMain, type ProxyArgs } from '../../cli/proxy-command.js';

export interface RunningCommand {
  stdout: string[];
  stderr: string[];
  /** Ends the command: its untilStop resolves. */
  stop: () => void;
  /** The exit code. */
  exit: Promise<number>;
}

/** Starts the command with `extra` over a silent, frame-path, ephemeral-port default; it runs until stop(). */
export function startProxyCommand(extra: Partial<ProxyArgs>): RunningCommand {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const args: ProxyArgs = { 'frame-path': true, 'log-level': 'silent', listen: '127.0.0.1:0', ...extra };
  const exit = proxyMain(args, { stdout: (l) => stdout.push(l), stderr: (l) => stderr.push(l), untilStop: () => stopped });
  return { stdout, stderr, stop, exit };
}
