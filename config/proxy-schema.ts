/**
 * The proxy's part of the configuration: where it listens, which origin it fronts, certificates,
 * HTTP/2 settings per side, upstream pool limits and timeouts. startProxy() parses its options
 * with this schema, so defaults live here and nowhere else.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { FloodLimits } from '../h2/proto/flood-guard.js';
import type { LingerPolicy } from '../h2/proto/lingering-close.js';
import { bugModelsSchema } from './bug-model-schema.js';

const MAX_U31 = 2 ** 31 - 1;
const MAX_U32 = 2 ** 32 - 1;

/** A `host:port` listen address; IPv6 hosts in brackets (`[::1]:8443`). Port 0 = ephemeral. */
export const listenAddressSchema = z.string().refine((s) => parseListenAddress(s) !== undefined, {
  message: 'expected host:port (IPv6 as [::1]:port), port 0-65535',
});

export function parseListenAddress(s: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  return { host, port };
}

/** The origin h2race fronts: https:// (h2 via ALPN, HTTP/1.1 fallback), h2c:// (prior knowledge), http:// (HTTP/1.1). */
export const originSchema = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return ['https:', 'http:', 'h2c:'].includes(u.protocol) && u.hostname !== '' && (u.pathname === '/' || u.pathname === '') && !u.search;
  } catch {
    return false;
  }
}, { message: 'expected an origin URL https://host[:port], http://host[:port] or h2c://host[:port] (no path)' });

/** The five HTTP/2 SETTINGS h2race sets per side; unset = Node's default. */
export const http2SettingsSchema = z.strictObject({
  initialWindowSize: z.number().int().min(0).max(MAX_U31).optional(),
  maxFrameSize: z.number().int().min(16384).max(2 ** 24 - 1).optional(),
  maxConcurrentStreams: z.number().int().min(0).max(MAX_U32).optional(),
  headerTableSize: z.number().int().min(0).max(MAX_U32).optional(),
  maxHeaderListSize: z.number().int().min(0).max(MAX_U32).optional(),
});
export type Http2SettingsConfig = z.infer<typeof http2SettingsSchema>;
export const HTTP2_SETTING_NAMES = Object.keys(http2SettingsSchema.shape) as (keyof Http2SettingsConfig)[];

/** A side's settings: each default stays unless that very setting is given. */
function settingsWithDefaults(defaults: Http2SettingsConfig) {
  return http2SettingsSchema.prefault({}).transform((given): Http2SettingsConfig => {
    const out: Http2SettingsConfig = { ...defaults };
    for (const name of HTTP2_SETTING_NAMES) if (given[name] !== undefined) out[name] = given[name];
    return out;
  });
}

/** Header list size (RFC 9113 §6.5.2) the proxy accepts when maxHeaderListSize is not set. */
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;

const positiveInt = z.number().int().min(1);

/** An option that no longer exists: given at all, it is refused with `why` (one line naming it). */
function removedOption(why: string) {
  return z.never({ error: `removed: ${why}` }).optional();
}

/** A token bucket: both numbers, or the cap's default (h2/proto/flood-guard.ts) stays. */
const rateLimitSchema = z.strictObject({ perSecond: positiveInt, burst: positiveInt });

/** Overrides of the engine's per-connection flood caps; each one not given keeps its default. */
export const floodLimitsSchema = z.strictObject({
  resets: rateLimitSchema.optional(),
  pings: rateLimitSchema.optional(),
  settings: rateLimitSchema.optional(),
  emptyData: rateLimitSchema.optional(),
  windowUpdates: rateLimitSchema.optional(),
  priorities: rateLimitSchema.optional(),
  afterEnd: rateLimitSchema.optional(),
  maxContinuations: positiveInt.optional(),
  maxHeaderBlockBytes: positiveInt.optional(),
} satisfies Record<keyof FloodLimits, z.ZodType>);

/**
 * h2/proto/lingering-close.ts: after its GOAWAY h2race half-closes, reads and drops the client's
 * bytes for at most `timeMs` (2 s) and `bytes` (1 MiB), then closes, so a client still writing
 * reads the GOAWAY instead of a reset; a client that sent an error GOAWAY gets what is owed for
 * `abandonedFlushMs` (250 ms).
 */
export const lingerSchema = z.strictObject({
  timeMs: positiveInt.optional(),
  bytes: z.number().int().min(0).optional(),
  abandonedFlushMs: positiveInt.optional(),
} satisfies Record<keyof LingerPolicy, z.ZodType>);

export const downstreamSchema = z.strictObject({
  /**
   * Stream window 1 MiB: uploads at full speed; a stream whose upstream stalls holds at most this
   * much. 100 streams per connection (Node's default is 2^32-1): each can pin an upstream window.
   */
  settings: settingsWithDefaults({ initialWindowSize: 1024 * 1024, maxConcurrentStreams: 100 }),
  /** A client that has not finished its TLS handshake after this long is dropped. */
  tlsHandshakeTimeoutMs: z.number().int().min(1).default(10_000),
  /** How a client connection ends after h2race's last frame (lingering close); each one not given keeps its default. */
  linger: lingerSchema.optional(),
  /**
   * An HTTP/1.1 client must deliver a request's complete headers within this long, counted from
   * its connection or its previous response (what Node's headersTimeout does on a listening
   * server, which this front is not): a client dripping header bytes is cut. 0 = never.
   */
  requestHeadersTimeoutMs: z.number().int().min(0).default(20_000),
  /** A downstream stream (or HTTP/1.1 connection) with no bytes moved for this long is closed. 0 = never. */
  streamIdleTimeoutMs: z.number().int().min(0).default(30_000),
  /** Connection-level receive window the proxy grants each client (uploads). */
  connectionWindowSize: z.number().int().min(65535).max(MAX_U31).default(16 * 1024 * 1024),
  /**
   * What one client connection may make the proxy hold, in MiB: response bytes
   * queued for a client that does not read (a stalled stream counts at the upstream window it can
   * pin) and request body bytes not yet forwarded; over it new streams are refused (REFUSED_STREAM).
   */
  connectionMemoryMiB: z.number().int().min(1).default(32),
  /** The engine's flood caps (rapid reset, PING/SETTINGS/... floods): GOAWAY(ENHANCE_YOUR_CALM) beyond them. */
  floodLimits: floodLimitsSchema.optional(),
  /** The node front's options, gone with it: a config that still sets them is told so. */
  maxSessionMemoryMiB: removedOption('it was node:http2\'s session memory on the node front; the fronts run on h2race\'s own engine, whose cap is connectionMemoryMiB'),
  engine: removedOption('the TLS and h2c fronts always run on h2race\'s own engine'),
});

export const upstreamSchema = z.strictObject({
  /** Stream window 1 MiB: enough for throughput; a paused stream holds at most this much. */
  settings: settingsWithDefaults({ initialWindowSize: 1024 * 1024 }),
  /** Large, so streams whose clients stall never starve the others of connection window. */
  connectionWindowSize: z.number().int().min(65535).max(MAX_U31).default(MAX_U31),
  /** How an origin connection ends after h2race's last frame (lingering close); each one not given keeps its default. */
  linger: lingerSchema.optional(),
  /** node:http2's session memory, gone with node:http2's client: a config that still sets it is told so. */
  maxSessionMemoryMiB: removedOption('it was node:http2\'s session memory; the sessions to the origin run on h2race\'s own engine, whose flow-control windows bound what a stream holds'),
  /** HTTP/2 sessions per origin; requests beyond their stream limits wait in a queue. */
  maxSessions: z.number().int().min(1).max(1024).default(4),
  /** Requests that may wait for a free stream before new ones get 503. */
  maxQueued: z.number().int().min(0).default(10_000),
  /** HTTP/1.1 connections per origin. */
  maxSockets: z.number().int().min(1).max(65536).default(256),
  /** An upstream connection with no streams is closed after this long. */
  idleTimeoutMs: z.number().int().min(1).default(30_000),
  connectTimeoutMs: z.number().int().min(1).default(5_000),
  /** From sending the request to the response headers; exceeded → 504. 0 = no limit. */
  responseTimeoutMs: z.number().int().min(0).default(30_000),
  /** Verify the origin's certificate (https://). */
  rejectUnauthorized: z.boolean().default(true),
  /** PEM file of the CA that signed the origin's certificate. */
  ca: z.string().min(1).optional(),
  /** Send the origin's host as :authority/host instead of the client's. */
  rewriteHost: z.boolean().default(false),
});

export const proxyConfigSchema = z.strictObject({
  listen: listenAddressSchema.default('127.0.0.1:8443'),
  /** Optional cleartext HTTP/2 (prior knowledge) front. */
  h2cListen: listenAddressSchema.optional(),
  origin: originSchema,
  cert: z.string().min(1).optional(),
  key: z.string().min(1).optional(),
  /** Where the generated certificate is kept (relative to the working directory). */
  stateDir: z.string().min(1).default('.h2race'),
  /** NSS key log file (SSLKEYLOGFILE format) for the TLS sessions on both sides, appended. */
  keylog: z.string().min(1).optional(),
  downstream: downstreamSchema.prefault({}),
  upstream: upstreamSchema.prefault({}),
  /** close(): how long in-flight streams may finish before they are cut. */
  shutdownTimeoutMs: z.number().int().min(0).default(5_000),
  /** Bug models of the engine's connections (config/bug-model-schema.ts); none by default. */
  bugModels: bugModelsSchema,
}).refine((c) => (c.cert === undefined) === (c.key === undefined), {
  message: 'cert and key go together: give both or neither',
  path: ['cert'],
});

export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
export type ProxyConfig = z.output<typeof proxyConfigSchema>;

/** The proxy section as a config file may hold it: everything optional, the CLI fills the rest. */
export const proxyFileSchema = z.strictObject({
  ...proxyConfigSchema.shape,
  origin: originSchema.optional(),
});
