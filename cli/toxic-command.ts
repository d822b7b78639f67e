/**
 * `h2race toxic add|update|remove|list|types`: toxiproxy-cli's toxic commands, built on
 * toxiproxy-node-client. `types` lists the toxic types this h2race build knows (Toxiproxy's and
 * h2race's own), with one line each, from the toxic registry.
 *
 *   h2race toxic add -t latency -n slow -a latency=100 -a jitter=50 --upstream myProxy
 *   h2race toxic update -n slow -a jitter=25 myProxy
 *   h2race toxic remove -n slow myProxy
 */
import type { Argv, CommandModule } from 'yargs';
import { listToxicTypes } from '../faults/toxics/registry.js';
import { didYouMean } from './nearest.js';
import { numberFlags } from './number-flags.js';
import { attempt, clientFor, formatToxic, toxicsOf, withHost, type HostArgs } from './proxies-command.js';
import { UsageError } from './usage-error.js';

interface ProxyArgs extends HostArgs {
  proxy: string;
}

interface ToxicArgs extends ProxyArgs {
  toxicName?: string;
  toxicity?: number;
  attribute?: string[];
}

interface AddArgs extends ToxicArgs {
  type: string;
  upstream?: boolean;
  downstream?: boolean;
}

/** `key=value` pairs; numbers and booleans keep their type (the API wants integers as numbers). */
export function parseAttributes(pairs: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attribute ${pair}: expected key=value`);
    const key = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    out[key] = text === 'true' ? true : text === 'false' ? false : text !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  }
  return out;
}

const proxyArg = <T>(y: Argv<T>) =>
  withHost(y).positional('proxy', { type: 'string', demandOption: true, describe: 'proxy name' }) as Argv<T & ProxyArgs>;

const toxicOptions = <T>(y: Argv<T>) =>
  proxyArg(y)
    .option('toxicName', { alias: 'n', type: 'string', describe: 'name of the toxic' })
    .options(numberFlags({ toxicity: { alias: 'tox', min: 0, max: 1, describe: 'share of connections it affects, 0..1 (default 1)' } }))
    .option('attribute', { alias: 'a', type: 'string', array: true, describe: 'toxic attribute key=value (repeatable)' }) as Argv<T & ToxicArgs>;

const add: CommandModule<object, AddArgs> = {
  command: ['add <proxy>', 'a <proxy>'],
  describe: 'add a toxic to a proxy',
  builder: (y) =>
    toxicOptions(y)
      .option('type', { alias: 't', type: 'string', demandOption: true, describe: 'toxic type (h2race toxic types)' })
      .option('upstream', { alias: 'u', type: 'boolean', describe: 'act on client → server data' })
      .option('downstream', { alias: 'd', type: 'boolean', describe: 'act on server → client data (default)' })
      .conflicts('upstream', 'downstream')
      .check((a) => {
        // The types this build knows: a typo is named here with the nearest, before the API says 400.
        const known = listToxicTypes().map((t) => t.type);
        if (!known.includes(a.type)) throw new UsageError(`--type "${a.type}" is not a toxic type${didYouMean(a.type, known) || ` (h2race toxic types lists them)`}`);
        parseAttributes(a.attribute);
        return true;
      }),
  handler: async (args) => {
    const client = clientFor(args);
    const stream = args.upstream ? 'upstream' : 'downstream';
    const attributes = parseAttributes(args.attribute);
    const toxic = await attempt(`Failed to add toxic to ${args.proxy}`, async () =>
      (await client.get(args.proxy)).addToxic({
        // An empty name lets the server name it <type>_<stream>, as Toxiproxy does.
        name: args.toxicName ?? '',
        type: args.type as 'latency',
        stream,
        toxicity: args.toxicity ?? 1,
        attributes,
      }),
    );
    console.log(`Added ${toxic.stream} ${toxic.type} toxic '${toxic.name}' on proxy '${args.proxy}'`);
  },
};

const update: CommandModule<object, ToxicArgs> = {
  command: ['update <proxy>', 'u <proxy>'],
  describe: "update a toxic's attributes (merged onto the current ones) or toxicity",
  builder: (y) => toxicOptions(y).demandOption('toxicName'),
  handler: async (args) => {
    const client = clientFor(args);
    const toxic = await attempt(`Failed to update toxic ${args.toxicName}`, async () => {
      const current = await (await client.get(args.proxy)).getToxic(args.toxicName!);
      return current.update({
        ...current.toJson(),
        toxicity: args.toxicity ?? current.toxicity,
        attributes: parseAttributes(args.attribute),
      });
    });
    console.log(`Updated toxic '${toxic.name}' on proxy '${args.proxy}'`);
  },
};

const remove: CommandModule<object, ToxicArgs> = {
  command: ['remove <proxy>', 'delete <proxy>', 'r <proxy>'],
  describe: 'remove a toxic from a proxy',
  builder: (y) => toxicOptions(y).demandOption('toxicName'),
  handler: async (args) => {
    const client = clientFor(args);
    await attempt(`Failed to remove toxic ${args.toxicName}`, async () =>
      (await (await client.get(args.proxy)).getToxic(args.toxicName!)).remove(),
    );
    console.log(`Removed toxic '${args.toxicName}' on proxy '${args.proxy}'`);
  },
};

const list: CommandModule<object, ProxyArgs> = {
  command: ['list <proxy>', 'ls <proxy>'],
  describe: "list a proxy's toxics, upstream first",
  builder: (y) => proxyArg(y),
  handler: async (args) => {
    const toxics = await attempt(`Failed to list toxics of ${args.proxy}`, () => toxicsOf(clientFor(args), args.proxy));
    if (toxics.length === 0) console.log('Proxy has no toxics enabled.');
    for (const t of toxics) console.log(formatToxic(t));
  },
};

const types: CommandModule = {
  command: 'types',
  describe: 'list the toxic types h2race knows',
  handler: () => {
    for (const t of listToxicTypes()) console.log(`${t.type.padEnd(12)} ${t.kind.padEnd(5)} ${t.summary}`);
  },
};

export const toxicCommand: CommandModule = {
  command: 'toxic',
  describe: "add, update, remove or list a proxy's toxics through a Toxiproxy API, like toxiproxy-cli",
  builder: (y) =>
    y
      .command(add)
      .command(update)
      .command(remove)
      .command(list)
      .command(types),
  handler: () => undefined,
};
