/**
 * The configurations the bench puts under load, each started as its own process:
 *
 *   h2load ──TLS h2──▶ direct (the origin's TLS listener)
 *   h2load ──TLS h2──▶ plain node:http2 forward ──h2c──▶ origin
 *   h2load ──TLS h2──▶ node TLS pipe (bytes, no HTTP/2) ──h2c──▶ origin
 *   h2load ──TLS h2──▶ h2race without the engine path (no pool, no faults) ──h2c──▶ origin
 *   h2load ──TLS h2──▶ h2race (per pool mode, faults off) ──h2c──▶ origin
 *   h2load ──TLS h2──▶ nghttpx / HAProxy ──h2c──▶ origin
 */
import { POOL_MODES, type PoolMode } from '../faults/pool/types.js';
import type { ChildProcesses } from './children.js';
import { startNodeChild, type NodeChild } from './node-target.js';
import { startHaproxy } from './peers/haproxy.js';
import type { PlainForwardConfig } from './plain-forward.js';
import { startNghttpx } from './peers/nghttpx.js';
import type { Target } from './target.js';
import type { Tool } from './tools.js';

export interface StartContext {
  children: ChildProcesses;
  tools: Record<Tool['name'], Tool>;
  dir: string;
  cert: { cert: string; key: string; certFile: string; keyFile: string };
  origin: NodeChild;
}

/** The configuration whose figures are held against the targets. */
export const SUBJECT = 'h2race retain';
export const NONE_SUBJECT = 'h2race none';
/** The subject without the frame path and pool: what the frame path costs is the difference. */
export const NO_FRAME_PATH_SUBJECT = 'h2race no frame path';

export interface ConfigSpec {
  name: string;
  kind: 'direct' | 'plain' | 'h2race' | 'peer';
  /** Why the configuration cannot run here, or undefined when it can. */
  unavailable?: string;
  start(ctx: StartContext): Promise<Target>;
}

export interface H2raceChildConfig {
  certFile: string;
  keyFile: string;
  upstreamPort: number;
  pool: PoolMode;
  /** false: h2race's engine and forwarding core without the engine path (no pool, no faults). */
  framePath: boolean;
}

const H2RACE_ENTRY = 'serve-h2race.js';

function nodeTarget(name: string, child: NodeChild): Target {
  return {
    name,
    url: `https://127.0.0.1:${child.ports.https}`,
    child: child.child,
    beginWindow: child.beginWindow,
    endWindow: child.endWindow,
  };
}

export function configSpecs(tools: Record<Tool['name'], Tool>): ConfigSpec[] {
  /** A Node child of ours in front of the origin's h2c port, given its config. */
  const nodeChild = (name: string, kind: ConfigSpec['kind'], entry: string, config: (ctx: StartContext) => object): ConfigSpec => ({
    name,
    kind,
    start: async (ctx) => nodeTarget(name, await startNodeChild(ctx.children, name, entry, config(ctx))),
  });
  const h2race = (name: string, pool: PoolMode, framePath: boolean): ConfigSpec =>
    nodeChild(name, 'h2race', H2RACE_ENTRY, (ctx) => ({ certFile: ctx.cert.certFile, keyFile: ctx.cert.keyFile, upstreamPort: ctx.origin.ports.h2c!, pool, framePath }) satisfies H2raceChildConfig);
  /** TLS from the bench's certificate, in PEM. */
  const plain = (name: string, entry: string): ConfigSpec =>
    nodeChild(name, 'plain', entry, (ctx) => ({ cert: ctx.cert.cert, key: ctx.cert.key, upstreamPort: ctx.origin.ports.h2c! }) satisfies PlainForwardConfig);
  const peerOptions = (ctx: StartContext, binary: string) => ({
    binary,
    children: ctx.children,
    dir: ctx.dir,
    certFile: ctx.cert.certFile,
    keyFile: ctx.cert.keyFile,
    upstreamPort: ctx.origin.ports.h2c!,
  });
  return [
    {
      name: 'direct',
      kind: 'direct',
      start: async (ctx) => ({ ...nodeTarget('direct', ctx.origin), url: `https://127.0.0.1:${ctx.origin.ports.tls}` }),
    },
    plain('node:http2 forward', 'plain-forward.js'),
    plain('node tls pipe', 'tls-pipe.js'),
    h2race(NO_FRAME_PATH_SUBJECT, 'retain', false),
    ...POOL_MODES.map((mode) => h2race(`h2race ${mode}`, mode, true)),
    {
      name: 'nghttpx',
      kind: 'peer',
      unavailable: tools.nghttpx.path ? undefined : `nghttpx not found (Debian package ${tools.nghttpx.debianPackage})`,
      start: (ctx) => startNghttpx(peerOptions(ctx, ctx.tools.nghttpx.path!)),
    },
    {
      name: 'haproxy',
      kind: 'peer',
      unavailable: tools.haproxy.path ? undefined : `haproxy not found (Debian package ${tools.haproxy.debianPackage})`,
      start: (ctx) => startHaproxy(peerOptions(ctx, ctx.tools.haproxy.path!)),
    },
  ];
}

/** From direct to full h2race, one step at a time: where a regression starts is the step that grew. */
export const COST_STEPS: Array<[string, string, string]> = [
  ['node:http2 proxying (TLS front + h2c upstream)', 'direct', 'node:http2 forward'],
  ["h2race's engine (front and upstream) and forwarding core", 'node:http2 forward', 'h2race no frame path'],
  ['engine path + pool (retain)', 'h2race no frame path', 'h2race retain'],
  ['engine path + pool (none)', 'h2race no frame path', 'h2race none'],
];
