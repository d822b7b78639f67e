/**
 * `scenario --shape`: a slow public-internet path between the viewers and the target, so that the
 * target's own socket writes are still pending when a viewer's RST_STREAM arrives (the condition
 * of the Jetty cancel race, which never holds on a LAN):
 *
 *   viewer ─TLS─▶ 127.0.0.1:<relay> ─[profile's link toxics, both ways]─▶ target
 *
 * It is a Toxiproxy TCP proxy (api/tcp-proxy.ts): each connection is relayed through
 * LinkedSockets whose link queues are bounded, so a slow downstream link stops the relay reading
 * the target and the backpressure reaches the target's socket. Each viewer connection gets links
 * of its own (each viewer has its own access line); a profile file's schedule changes them all.
 * TLS passes through untouched; the viewers still name the target (SNI, :authority, certificate
 * check).
 *
 * Lifecycle: runScenario owns the ShapedPath; close() stops the profile's schedule and the proxy,
 * which ends every relayed connection.
 */
import type { Logger } from 'pino';
import type { ToxicSpec } from '../faults/link/types.js';
import { isProfileFile, planFaults, startFaultPlan, type FaultPlan } from '../faults/profiles/plan.js';
import { findPreset } from '../faults/profiles/presets.js';
import { SeededRandom } from '../faults/random.js';
import { findToxicType } from '../faults/toxics/registry.js';
import { ProxyFaults } from '../api/proxy-faults.js';
import { TcpProxy } from '../api/tcp-proxy.js';

export interface ShapedPath {
  /** The preset name or profile file the path runs. */
  readonly shape: string;
  /** Where viewers dial instead of the target. */
  readonly address: { host: string; port: number };
  /** The preset's own figures, when the shape is a preset. */
  readonly preset?: { rttMs: number; downBytesPerSecond?: number };
  /** What the relay delivered toward the viewers per second while it had bytes for them; undefined before any. */
  downBytesPerSecond(): number | undefined;
  close(): Promise<void>;
}

/** Starts the relay for `target` (an http URL); `shape` is a preset or a profile file. */
export async function startShapedPath(target: URL, shape: string, seed: number, logger: Logger): Promise<ShapedPath> {
  const plan = planShape(shape);
  const port = target.port || (target.protocol === 'https:' ? '443' : '80');
  const faults = new ProxyFaults(undefined, logger);
  const proxy = new TcpProxy(
    { name: 'scenario-shape', listen: '127.0.0.1:0', upstream: `${target.hostname}:${port}`, enabled: true, kind: 'tcp' },
    { logger, faults, random: new SeededRandom(seed, 'scenario-shape') },
  );
  await proxy.start();
  const runner = startFaultPlan(plan, faults.toxics, logger);
  const listen = proxy.toJSON().listen;
  const preset = isProfileFile(shape) ? undefined : findPreset(shape);
  return {
    shape,
    address: { host: '127.0.0.1', port: Number(listen.slice(listen.lastIndexOf(':') + 1)) },
    preset: preset && { rttMs: preset.rttMs, downBytesPerSecond: preset.downBitsPerSecond && preset.downBitsPerSecond / 8 },
    downBytesPerSecond() {
      const { bytes, busyMs } = proxy.delivery('downstream');
      return busyMs > 0 ? (bytes * 1000) / busyMs : undefined;
    },
    async close() {
      runner?.stop();
      await proxy.stop();
    },
  };
}

/** The profile's plan; a frame toxic cannot act on a TCP relay carrying TLS, so it is refused. */
function planShape(shape: string): FaultPlan {
  let plan: FaultPlan;
  try {
    plan = planFaults({ profile: shape });
  } catch (err) {
    throw new Error(`shape: ${(err as Error).message}`, { cause: err });
  }
  const frame = frameToxicIn(plan);
  if (frame) {
    throw new Error(`shape: ${shape} has the HTTP/2 frame toxic ${frame}; the shaping relay carries TLS as TCP and runs only link toxics`);
  }
  return plan;
}

/** The type of the plan's first HTTP/2 frame toxic, from the start or any step, if it has one. */
export function frameToxicIn(plan: FaultPlan): string | undefined {
  const all: ToxicSpec[] = [...plan.toxics, ...(plan.schedule?.steps.flatMap((s) => s.toxics) ?? [])];
  return all.find((t) => findToxicType(t.type)?.kind === 'frame')?.type;
}
