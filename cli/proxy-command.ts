/**
 * `h2race proxy`: the TLS HTTP/2 reverse proxy in front of --origin, with its frame path, buffer
 * pool and link faults (startH2race). Settings come from --config (sections proxy, pool, faults)
 * with flags winning; with --api the Toxiproxy-compatible API runs and owns the proxy.
 * A command-line mistake prints one line and exits 2; a startup failure (port in use, a bad
 * certificate or config file) one line and exit 1. Logs go to stderr, the startup lines to stdout.
 */
import type { Argv, CommandModule } from 'yargs';
import { ConfigError, loadConfigFile, validate } from '../config/load.js';
import {
  HTTP2_SETTING_NAMES,
  parseListenAddress,
  proxyConfigSchema,
  proxyFileSchema,
  type ProxyConfig,
} from '../config/proxy-schema.js';
import type { Config } from '../config/schema.js';
import { checkProfileFlag, faultCliOptions, faultSettingsFromArgs, type FaultArgs } from './fault-options.js';
import { planFaults } from '../faults/profiles/plan.js';
import { POOL_MODES, type PoolMode } from '../faults/pool/types.js';
import { BUG_MODELS, type BugModel } from '../h2/proto/bug-models/catalogue.js';
import { startApiServer } from '../api/api-server.js';
import { createH2raceStarter } from '../api/h2race-starter.js';
import { loadOrCreateCertificate, type Certificate } from '../proxy/certs.js';
import { startH2race, type RunningH2race } from '../proxy/h2race.js';
import { createProxyEvents } from '../proxy/events.js';
import type { PoolConfig } from '../config/pool-schema.js';
import type { Logger } from '../proxy/log.js';
import { ExitCode } from './exit-codes.js';
import { listenFlag, readableFiles, together } from './flag-rules.js';
import { LOG_LEVELS, stderrLogger } from './logger.js';
import { numberFlags } from './number-flags.js';
import { untilSignal } from './signals.js';
import { UsageError } from './usage-error.js';

const SIDES = ['downstream', 'upstream'] as const;
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
/** `--downstream-initial-window-size`: an HTTP/2 setting's flag. */
const settingFlag = (side: (typeof SIDES)[number], name: string) => `${side}-${kebab(name)}`;

/** `--downstream-initial-window-size`, ... for the five settings on both sides. */
const settingsOptions = numberFlags(Object.fromEntries(
  SIDES.flatMap((side) => HTTP2_SETTING_NAMES.map((name) => [
    settingFlag(side, name),
    { integer: true, group: 'HTTP/2 settings:', describe: `${name} the proxy announces to the ${side === 'downstream' ? 'clients' : 'origin'}` },
  ])),
));

/**
 * Each flag of the proxy section and the config path it sets, written once: the flags become a
 * config through it (resolveProxyConfig) and an error at a path names its flag through it (flagName).
 */
const FLAG_PATHS: ReadonlyArray<{ flag: string; path: string; value?: (given: unknown) => unknown }> = [
  { flag: 'listen', path: 'listen' },
  { flag: 'h2c-listen', path: 'h2cListen' },
  { flag: 'origin', path: 'origin' },
  { flag: 'cert', path: 'cert' },
  { flag: 'key', path: 'key' },
  { flag: 'state-dir', path: 'stateDir' },
  { flag: 'keylog', path: 'keylog' },
  { flag: 'bug-model', path: 'bugModels' },
  { flag: 'max-sessions', path: 'upstream.maxSessions' },
  { flag: 'connect-timeout', path: 'upstream.connectTimeoutMs' },
  { flag: 'response-timeout', path: 'upstream.responseTimeoutMs' },
  { flag: 'insecure', path: 'upstream.rejectUnauthorized', value: (given) => !given },
  { flag: 'origin-ca', path: 'upstream.ca' },
  { flag: 'engine', path: 'downstream.engine' },
  ...SIDES.flatMap((side) => HTTP2_SETTING_NAMES.map((name) => ({ flag: settingFlag(side, name), path: `${side}.settings.${name}` }))),
];


export interface ProxyArgs extends FaultArgs {
  listen?: string;
  'h2c-listen'?: string;
  origin?: string;
  cert?: string;
  key?: string;
  'state-dir'?: string;
  keylog?: string;
  config?: string;
  pool?: PoolMode;
  'bug-model'?: BugModel[];
  'frame-path': boolean;
  /** Removed: given, it is refused (config/proxy-schema.ts says why). */
  engine?: string;
  'max-sessions'?: number;
  'connect-timeout'?: number;
  'response-timeout'?: number;
  insecure?: boolean;
  'origin-ca'?: string;
  api?: string;
  'log-level': string;
  [setting: string]: unknown;
}

export const proxyCommand: CommandModule<object, ProxyArgs> = {
  command: 'proxy',
  describe: 'run the TLS HTTP/2 reverse proxy in front of an origin',
  builder: (y) =>
    y
      .option('listen', { type: 'string', describe: 'TLS listener (h2 and http/1.1 by ALPN), host:port [127.0.0.1:8443]' })
      .option('h2c-listen', { type: 'string', describe: 'also a cleartext HTTP/2 (prior knowledge) listener, host:port' })
      .option('origin', { type: 'string', describe: 'the origin: https://host:port (h2, HTTP/1.1 fallback), h2c://host:port or http://host:port' })
      .option('cert', { type: 'string', describe: 'PEM certificate (default: self-signed, made once in --state-dir)' })
      .option('key', { type: 'string', describe: 'PEM private key for --cert' })
      .option('state-dir', { type: 'string', describe: 'where the generated certificate is kept [.h2race]' })
      .option('keylog', { type: 'string', describe: 'append the TLS secrets of both sides to this NSS key log (for Wireshark) [$SSLKEYLOGFILE]' })
      .option('config', { type: 'string', describe: 'YAML/JSON file with sections proxy, pool, faults (flags win)' })
      .option('pool', { choices: POOL_MODES, describe: 'buffer pool mode of the frame path [retain]' })
      .option('bug-model', { type: 'array', string: true, choices: BUG_MODELS, describe: 'engine bug models to switch on (README, "The catalogue"); repeat for more' })
      .option('frame-path', { type: 'boolean', default: true, describe: 'run clients through the engine path: pool, frame toxics, downstream link (--no-frame-path: h2race\'s engine on the socket, no downstream faults)' })
      .option('engine', { type: 'string', hidden: true })
      .options(numberFlags({
        'max-sessions': { integer: true, group: 'Upstream:', describe: 'HTTP/2 sessions per origin [4]' },
        'connect-timeout': { integer: true, group: 'Upstream:', describe: 'ms to connect to the origin before 504 [5000]' },
        'response-timeout': { integer: true, group: 'Upstream:', describe: 'ms for the origin\'s response headers before 504, 0 = none [30000]' },
      }))
      .option('insecure', { type: 'boolean', group: 'Upstream:', describe: 'do not verify the origin\'s certificate' })
      .option('origin-ca', { type: 'string', group: 'Upstream:', describe: 'PEM of the CA that signed the origin\'s certificate' })
      .options(settingsOptions)
      .options(faultCliOptions)
      .option('api', { type: 'string', describe: 'also run the Toxiproxy-compatible API on host:port; it then owns this proxy' })
      .option('log-level', { choices: LOG_LEVELS, default: 'info', describe: 'pino level of the log lines on stderr' }) as unknown as Argv<ProxyArgs>,
  handler: async (args) => {
    const code = await proxyMain(args);
    if (code !== 0) process.exit(code);
  },
};

export interface ProxyMainIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Resolves when the proxy should stop (default: SIGINT/SIGTERM; a second one cuts connections). */
  untilStop: (onSecond: () => void) => Promise<void>;
  /** Calls `reload` when the config should be read again (default: SIGHUP); returns the unsubscribe. */
  onReload?: (reload: () => void) => () => void;
}

const processIo: ProxyMainIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  untilStop: untilSignal,
  onReload: (reload) => {
    process.on('SIGHUP', reload);
    return () => process.off('SIGHUP', reload);
  },
};

/** The command without the process around it: runs until stopped; 0, or 2 / 1 after a one-line error. */
export async function proxyMain(args: ProxyArgs, io: ProxyMainIo = processIo, logger?: Logger): Promise<number> {
  try {
    await run(args, io, logger ?? stderrLogger('h2race', args['log-level']));
    return ExitCode.Ok;
  } catch (err) {
    io.stderr(`h2race proxy: ${(err as Error).message}`);
    return err instanceof UsageError ? ExitCode.Usage : ExitCode.Failed;
  }
}

/** What the flags alone can tell, before anything is read or started. */
function checkFlags(args: ProxyArgs): void {
  readableFiles(args, ['config', 'cert', 'key', 'origin-ca', 'trace-down', 'trace-up']);
  // With --config the file may hold the other half; its schema checks the pair then.
  if (args.config === undefined) together(args, 'cert', 'key');
  listenFlag('api', args.api);
  if (args.profile !== undefined) checkProfileFlag('--profile', args.profile);
}

/** The signal handlers (reload, stop) go in before the startup lines: see cli/signals.ts. */
async function run(args: ProxyArgs, io: ProxyMainIo, logger: Logger): Promise<void> {
  checkFlags(args);
  const file: Config = args.config === undefined ? {} : await loadConfigFile(args.config);
  const config = resolveProxyConfig(args, file.proxy);
  const faults = faultSettingsFromArgs(args, file.faults);
  const pool = poolSettings(args, file);

  if (args.api !== undefined) {
    const api = parseListenAddress(args.api)!;
    const { listen, origin, h2cListen: _h2c, ...base } = config;
    const { mode: _mode, ...poolBase } = pool;
    // Single faults and presets arrive as toxics the API then owns; a profile file stays a
    // profile, so its schedule walks under the API as it would without it.
    const plan = planFaults(faults);
    // Made (or found) here so the line below can name it; the API's proxy then reuses the file.
    const certificate = await loadOrCreateCertificate(config);
    const server = await startApiServer({
      host: api.host,
      port: api.port,
      logger,
      seed: faults.seed,
      startH2race: createH2raceStarter({ ...base, pool: poolBase }),
      proxies: [{ name: 'h2race', kind: 'h2race', listen, upstream: origin, enabled: true, pool: pool.mode, profile: plan.schedule ? faults.profile : undefined, toxics: plan.schedule ? [] : plan.toxics }],
    });
    const proxy = server.proxies.get('h2race');
    // Without a listener SIGHUP would end the process; the API, not the file, holds the proxy now.
    const stopReloading = io.onReload?.(() => io.stderr('h2race proxy: reload asked, but with --api the proxy is the API\'s: change it through the API')) ?? (() => {});
    const stopped = io.untilStop(() => undefined);
    io.stdout(`h2race proxy on https://${proxy?.toJSON().listen ?? listen} → ${origin}; Toxiproxy API on ${server.url}`);
    io.stdout(certificateLine(certificate.fingerprint256, certificate.source, certificate.certPath));
    await stopped;
    stopReloading();
    await server.close();
    return;
  }

  const running = await startH2race({ ...config, pool, faults, framePath: args['frame-path'], events: createProxyEvents(), logger });
  const { proxy } = running;
  const stopReloading = io.onReload?.(() => void reload(args, { config, pool }, running, io)) ?? (() => {});
  const stopped = io.untilStop(() => {
    io.stderr('h2race proxy: second signal, cutting connections');
    proxy.destroy();
  });
  io.stdout(`h2race proxy on ${proxy.url}${proxy.h2cUrl ? ` and ${proxy.h2cUrl} (h2c)` : ''} → ${config.origin} (pool ${running.poolMode}, seed ${running.seed})`);
  io.stdout(certificateLine(proxy.fingerprint, proxy.certSource, proxy.certPath));
  await stopped;
  stopReloading();
  await running.close();
}

/** What a client pins or trusts: `certificate SHA-256 AB:… (generated .h2race/proxy-cert.pem)`. */
function certificateLine(fingerprint: string, source: Certificate['source'], path: string): string {
  return `certificate SHA-256 ${fingerprint} (${source === 'files' ? '' : `${source === 'generated' ? 'generated' : 'reused'} `}${path})`;
}

/**
 * SIGHUP: read --config again. Every section is validated before anything changes, so a bad
 * file is refused with its file and field named and the running config stays. Faults apply at
 * once to open connections; proxy and pool sections are only compared, since they are bound to
 * listeners and buffers that live as long as the process.
 */
async function reload(
  args: ProxyArgs,
  started: { config: ProxyConfig; pool: Partial<PoolConfig> },
  running: RunningH2race,
  io: ProxyMainIo,
): Promise<void> {
  if (args.config === undefined) {
    io.stderr('h2race proxy: reload asked, but there is no --config to read again');
    return;
  }
  try {
    const file = await loadConfigFile(args.config);
    const config = resolveProxyConfig(args, file.proxy);
    const pool = poolSettings(args, file);
    running.reconfigureFaults(faultSettingsFromArgs(args, file.faults));
    const restart = [
      ...(JSON.stringify(config) === JSON.stringify(started.config) ? [] : ['proxy']),
      ...(JSON.stringify(pool) === JSON.stringify(started.pool) ? [] : ['pool']),
    ];
    const names = running.toxics.list().map((t) => t.name);
    io.stdout(
      `h2race proxy: reloaded ${args.config}: toxics now ${names.length > 0 ? names.join(', ') : 'none'}` +
        (restart.length > 0 ? `; ${restart.join(' and ')} changed, which takes a restart` : ''),
    );
  } catch (err) {
    io.stderr(`h2race proxy: reload refused, running config kept: ${(err as Error).message}`);
  }
}

function poolSettings(args: ProxyArgs, file: Config): Partial<PoolConfig> {
  return { ...file.pool, ...(args.pool === undefined ? {} : { mode: args.pool }) };
}

/**
 * The proxy section of the config file with the flags given on top; every field checked.
 * SSLKEYLOGFILE (the convention curl and browsers follow) names the key log when neither does.
 */
function resolveProxyConfig(args: ProxyArgs, file?: Config['proxy'], env: NodeJS.ProcessEnv = process.env): ProxyConfig {
  const flags: Record<string, unknown> = {};
  for (const { flag, path, value } of FLAG_PATHS) {
    const given = args[flag];
    if (given !== undefined) setPath(flags, path, value ? value(given) : given);
  }
  // Flags on their own first, so a bad one is named as the flag it came from.
  try {
    validate(proxyFileSchema, flags, 'command line');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new UsageError(err.message.replace(/^command line: ([\w.]+)/, (_, path: string) => `--${flagName(path)}`));
  }
  const merged = deepMerge((file ?? {}), flags);
  if (merged.origin === undefined) throw new UsageError('missing required flag --origin (or proxy.origin in the config file)');
  if (merged.keylog === undefined && env.SSLKEYLOGFILE) merged.keylog = env.SSLKEYLOGFILE;
  return validate(proxyConfigSchema, merged, args.config ?? 'proxy');
}

/** `upstream.settings.initialWindowSize` → `upstream-initial-window-size`; `bugModels.1` → `bug-model`. */
function flagName(path: string): string {
  return FLAG_PATHS.find((f) => path === f.path || path.startsWith(`${f.path}.`))?.flag ?? kebab(path);
}

/** Sets `path` (`upstream.settings.initialWindowSize`) in `target`, making the objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop()!;
  let at = target;
  for (const key of keys) {
    const next = isPlainObject(at[key]) ? at[key] : {};
    at[key] = next;
    at = next;
  }
  at[last] = value;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

