#!/usr/bin/env node
/**
 * h2race's command line. Each subcommand lives in its own file and is registered here.
 *
 * Every failure is one line `h2race <command>: …` on stderr and an exit code from exit-codes.ts:
 * a command-line mistake (flag-check.ts, number-flags.ts, a command's own checks, yargs') exits
 * 2 with no help text (help is for --help); a command that fails while running exits 1.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { registerBuiltinToxics } from '../faults/toxics/builtin.js';
import { describeFailure } from './failure.js';
import { FlagCheck } from './flag-check.js';
import { commandPath, usageLine } from './yargs-state.js';
import { originCommand } from './origin-command.js';
import { scenarioCommand } from './scenario-command.js';
import { compareCommand } from './compare-command.js';
import { proxiesCommand } from './proxies-command.js';
import { toxicCommand } from './toxic-command.js';
import { serverCommand } from './server-command.js';
import { proxyCommand } from './proxy-command.js';

// The CLI is a composition root: every command reads toxics (flags, config files, the API).
registerBuiltinToxics();

const words = hideBin(process.argv);
const check = new FlagCheck(words);
const cli = yargs(words)
  .scriptName('h2race')
  // failure.ts rewords yargs' own messages, which follow the locale otherwise.
  .locale('en')
  .strict()
  .help()
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .fail((message, err, usage) => fail(message, err, usageLine(usage)));

function fail(message: string | null | undefined, err: Error | undefined, usage?: string): never {
  // A handler's error arrives after yargs left its command: the check remembers where it ran.
  const command = check.command ?? (commandPath(cli).join(' ') || undefined);
  const failure = describeFailure(command, message, err, usage);
  process.stderr.write(`${failure.line}\n`);
  process.exit(failure.code);
}

// Before yargs' own validation (flag-check.ts says why); yargs passes this same instance.
cli.middleware((argv) => check.middleware(argv, cli), true);

// Subcommands (one import and one line each):
cli.command(originCommand);
cli.command(scenarioCommand);
cli.command(compareCommand);
cli.command(proxiesCommand);
cli.command(toxicCommand);
cli.command(serverCommand);
cli.command(proxyCommand);

try {
  await cli.parseAsync();
} catch (err) {
  // The middleware's errors come back here (thrown from parseAsync itself), not to .fail().
  fail(undefined, err instanceof Error ? err : new Error(String(err)));
}
