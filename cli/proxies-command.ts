/**
 * `h2race proxies list|create|delete|toggle|inspect`: toxiproxy-cli's proxy commands, built on
 * toxiproxy-node-client, so they drive h2race's admin API or a real toxiproxy-server alike.
 * The server is `--host` (default http://localhost:8474) or $TOXIPROXY_URL, as toxiproxy-cli reads it.
 * A request the API refuses fails with the API's own message and status (api-client.ts).
 */
import type { Argv, CommandModule } from 'yargs';
import type { Toxiproxy, Proxy } from 'toxiproxy-node-client';
import type { ToxicSpec } from '../faults/link/types.js';
import { checkProfileFlag } from './fault-options.js';
import { POOL_MODES } from '../faults/pool/types.js';
import { BUG_MODELS } from '../h2/proto/bug-models/catalogue.js';
import { toxiproxyClient } from './api-client.js';
import { listenFlag, urlFlag } from './flag-rules.js';

export interface HostArgs {
  host: string;
}

/** The `--host` option of every client command. */
export function withHost<T>(y: Argv<T>): Argv<T & HostArgs> {
  return y.option('host', {
    alias: 'h',
    type: 'string',
    default: process.env.TOXIPROXY_URL ?? 'http://localhost:8474',
    defaultDescription: '$TOXIPROXY_URL or http://localhost:8474',
    describe: 'Toxiproxy API to talk to (h2race server or toxiproxy-server)',
  }).check((a) => {
    urlFlag('host', a.host, ['http:', 'https:']);
    return true;
  });
}

export function clientFor(args: HostArgs): Toxiproxy {
  return toxiproxyClient(args.host);
}

/** The client drops a proxy's toxics; read them from the API with the client's own HTTP helper. */
export async function toxicsOf(client: Toxiproxy, proxy: string): Promise<ToxicSpec[]> {
  const res = await client.getApi().get<ToxicSpec[]>(`${client.host}/proxies/${encodeURIComponent(proxy)}/toxics`);
  return res.data;
}

/** Run a client call; a failure becomes one line naming what failed. */
export async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
}

export function formatToxic(t: ToxicSpec): string {
  const attrs = Object.entries(t.attributes).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  return `${t.name}\ttype=${t.type}\tstream=${t.stream}\ttoxicity=${t.toxicity}\t${attrs}`;
}

function formatProxy(p: Proxy, toxics: number): string {
  return `${p.name}\t${p.listen}\t${p.upstream}\t${p.enabled ? 'enabled' : 'disabled'}\t${toxics} toxics`;
}

interface NameArgs extends HostArgs {
  name: string;
}

interface CreateArgs extends NameArgs {
  listen: string;
  upstream: string;
  kind?: 'tcp' | 'h2race';
  pool?: (typeof POOL_MODES)[number];
  'bug-model'?: string[];
  profile?: string;
}

const nameArg = <T>(y: Argv<T>) => withHost(y).positional('name', { type: 'string', demandOption: true, describe: 'proxy name' }) as Argv<T & NameArgs>;

const list: CommandModule<object, HostArgs> = {
  command: ['list', 'ls'],
  describe: 'list all proxies: name, listen, upstream, enabled, toxic count',
  builder: (y) => withHost(y),
  handler: async (args) => {
    const client = clientFor(args);
    const proxies = await attempt('Failed to list proxies', () => client.getAll());
    if (Object.keys(proxies).length === 0) {
      console.log('no proxies');
      return;
    }
    console.log('name\tlisten\tupstream\tenabled\ttoxics');
    for (const p of Object.values(proxies)) {
      console.log(formatProxy(p, (await toxicsOf(client, p.name)).length));
    }
  },
};

const create: CommandModule<object, CreateArgs> = {
  command: ['create <name>', 'new <name>'],
  describe: 'create a proxy: h2race proxies create --listen 127.0.0.1:26379 --upstream 127.0.0.1:6379 redis',
  builder: (y) =>
    nameArg(y)
      .option('listen', { alias: 'l', type: 'string', default: '127.0.0.1:0', describe: 'address the proxy listens on (port 0: any free port)' })
      .option('upstream', { alias: 'u', type: 'string', demandOption: true, describe: 'address the proxy forwards to (kind h2race: the origin URL)' })
      .option('kind', { type: 'string', choices: ['tcp', 'h2race'] as const, describe: 'h2race only: tcp (default) or h2race, the TLS HTTP/2 proxy' })
      .option('pool', { choices: POOL_MODES, describe: 'h2race only, kind h2race: buffer pool mode' })
      .option('bug-model', { type: 'array', string: true, choices: BUG_MODELS, describe: 'h2race only, kind h2race: engine bug models (README, "The catalogue")' })
      .option('profile', { type: 'string', describe: 'h2race only: network preset or profile file the toxics start from' })
      .check((a) => {
        listenFlag('listen', a.listen);
        if (a.profile !== undefined) checkProfileFlag('--profile', a.profile);
        return true;
      }),
  handler: async (args) => {
    const client = clientFor(args);
    // h2race's own fields travel in the same body; toxiproxy-server ignores them.
    const extra = Object.fromEntries(Object.entries({ kind: args.kind, pool: args.pool, bugModels: args['bug-model'], profile: args.profile }).filter(([, v]) => v !== undefined));
    const p = await attempt(`Failed to create proxy ${args.name}`, () =>
      client.createProxy({ name: args.name, listen: args.listen, upstream: args.upstream, ...extra }),
    );
    console.log(`Created new proxy ${p.name} listening on ${p.listen} forwarding to ${p.upstream}`);
  },
};

const remove: CommandModule<object, NameArgs> = {
  command: ['delete <name>', 'rm <name>'],
  describe: 'delete a proxy (its connections are dropped)',
  builder: (y) => nameArg(y),
  handler: async (args) => {
    const client = clientFor(args);
    await attempt(`Failed to delete proxy ${args.name}`, async () => (await client.get(args.name)).remove());
    console.log(`Deleted proxy ${args.name}`);
  },
};

const toggle: CommandModule<object, NameArgs> = {
  command: 'toggle <name>',
  describe: 'enable a disabled proxy, disable an enabled one (disabling drops its connections)',
  builder: (y) => nameArg(y),
  handler: async (args) => {
    const client = clientFor(args);
    const p = await attempt(`Failed to toggle proxy ${args.name}`, async () => {
      const current = await client.get(args.name);
      return current.update({ enabled: !current.enabled, listen: current.listen, upstream: current.upstream });
    });
    console.log(`Proxy ${p.name} is now ${p.enabled ? 'enabled' : 'disabled'}`);
  },
};

const inspect: CommandModule<object, NameArgs> = {
  command: 'inspect <name>',
  describe: 'show a proxy and its toxics',
  builder: (y) => nameArg(y),
  handler: async (args) => {
    const client = clientFor(args);
    const [p, toxics] = await attempt(`Failed to inspect proxy ${args.name}`, async () => [
      await client.get(args.name),
      await toxicsOf(client, args.name),
    ] as const);
    console.log(`Name: ${p.name}\tListen: ${p.listen}\tUpstream: ${p.upstream}\t${p.enabled ? 'enabled' : 'disabled'}`);
    if (toxics.length === 0) console.log('Proxy has no toxics enabled.');
    for (const t of toxics) console.log(formatToxic(t));
  },
};

export const proxiesCommand: CommandModule = {
  command: 'proxies',
  describe: "manage a Toxiproxy API's proxies (list, create, delete, toggle, inspect), like toxiproxy-cli",
  builder: (y) =>
    y
      .command(list)
      .command(create)
      .command(remove)
      .command(toggle)
      .command(inspect),
  handler: () => undefined,
};
