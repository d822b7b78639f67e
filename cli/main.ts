#!/usr/bin/env node
/**
 * h2race's command line. Each subcommand lives in its own file and is registered here.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { originCommand } from './origin-command.js';
import { scenarioCommand } from './scenario-command.js';
import { compareCommand } from './compare-command.js';
import { proxiesCommand } from './proxies-command.js';
import { toxicCommand } from './toxic-command.js';
import { serverCommand } from './server-command.js';
import { proxyCommand } from './proxy-command.js';

const cli = yargs(hideBin(process.argv))
  .scriptName('h2race')
  .strict()
  .demandCommand(1, 'name a command: h2race <command> --help')
  .recommendCommands()
  .help()
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  // A command that fails at run time (port in use, bad config, unreachable API) says why in one
  // line; only a usage mistake earns the usage text.
  .fail((message, err, y) => {
    if (err) {
      console.error(`h2race: ${err.message}`);
    } else {
      y.showHelp();
      console.error(`\n${message}`);
    }
    process.exit(1);
  });

// Subcommands (one import and one line each):
cli.command(originCommand);
cli.command(scenarioCommand);
cli.command(compareCommand);
cli.command(proxiesCommand);
cli.command(toxicCommand);
cli.command(serverCommand);
cli.command(proxyCommand);

await cli.parseAsync();
