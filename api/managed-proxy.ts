/**
 * A proxy the Toxiproxy API manages. Two kinds sit behind this one interface:
 *   - 'tcp'    : what Toxiproxy is — bytes relayed through one link per direction (tcp-proxy.ts);
 *   - 'h2race' : the TLS HTTP/2 proxy with pool mode and profile (h2race-proxy.ts).
 *
 * Lifecycle: the ProxyCollection owns every ManagedProxy; it calls start/stop as the API says and
 * stop() once more when the proxy is deleted or the server closes. stop() ends every connection
 * the proxy accepted, so nothing outlives it.
 */
import type { Direction, ToxicSpec } from '../faults/link/types.js';
import type { ToxicSet } from '../faults/link/toxic-set.js';
import type { ProxyBody, ProxyUpdate } from '../config/api-schema.js';
import { findToxicType } from '../faults/toxics/registry.js';
import { ApiError, ErrBadRequestBody } from './api-error.js';
import { resolveListen } from './listen-address.js';
import type { ProxyFaults } from './proxy-faults.js';

/** A proxy as GET /proxies/{name} returns it, field for field with Toxiproxy (h2race kind adds fields). */
export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  toxics: ToxicSpec[];
  kind?: 'h2race';
  pool?: string;
  profile?: string;
}

export interface ManagedProxy {
  readonly name: string;
  readonly enabled: boolean;
  /** Live: a change reaches the proxy's open connections. */
  readonly toxics: ToxicSet;
  /** Start listening; the bound address replaces `listen`. Rejects with Go-worded bind errors. */
  start(): Promise<void>;
  /** Stop listening and drop every connection; a start() under way finishes first. Idempotent. */
  stop(): Promise<void>;
  /** PATCH semantics: a changed address restarts the proxy; `enabled` starts or stops it. */
  update(change: ProxyUpdate): Promise<void>;
  /** POST /reset: listening again, no toxics, no profile schedule. */
  reset(): Promise<void>;
  /** Bytes its links hold now, per direction. */
  queuedBytes(): Record<Direction, number>;
  /** Whether it runs frame-kind toxics (reorder, rst_delay, ...): only an HTTP/2 proxy has frames. */
  readonly runsFrameToxics: boolean;
  /** Whether `body` names a different listen address or upstream (populate replaces only then). */
  differs(body: ProxyBody): boolean;
  toJSON(): ProxyJson;
}

export type ProxyFactory = (body: ProxyBody) => ManagedProxy;

/** Toxiproxy lists a proxy's toxics upstream chain first, then downstream, each in creation order. */
export function toxicsForApi(toxics: ToxicSet): ToxicSpec[] {
  return [...toxics.list('upstream'), ...toxics.list('downstream')].map(toxicJson);
}

/** A toxic with its keys in Toxiproxy's order (ToxicWrapper's fields). */
export function toxicJson(spec: ToxicSpec): ToxicSpec {
  return { attributes: spec.attributes, name: spec.name, type: spec.type, stream: spec.stream, toxicity: spec.toxicity };
}

/** Whether a proxy listens. Between the two, a start, stop or update is under way (BaseProxy.transition). */
enum ListenPhase {
  Stopped,
  Running,
}

/** A running proxy holds what its openListener() made, until closeListener() is handed it. */
type ListenState<Listener> = { phase: ListenPhase.Stopped } | { phase: ListenPhase.Running; listener: Listener };

/**
 * What both kinds share: the addresses, start/stop ordering, PATCH/reset semantics (proxy.go
 * Update), and the JSON. A subclass says how to open and close its listener; `listen` holds the
 * bound address once started.
 *
 * start(), stop() and update() run one at a time, in call order: a stop() that arrives while a
 * start() is still binding waits for it and then closes what it bound, so no listener outlives a stop.
 * `Listener` is what a running proxy holds (its server, its running h2race): BaseProxy keeps it
 * while running and hands it to closeListener(), which alone ends it.
 */
export abstract class BaseProxy<Listener> implements ManagedProxy {
  readonly name: string;
  readonly toxics: ToxicSet;
  protected listen: string;
  protected upstream: string;
  private state: ListenState<Listener> = { phase: ListenPhase.Stopped };
  /** The start, stop or update under way (settled when none is); the next one runs after it. */
  private transition: Promise<void> = Promise.resolve();

  constructor(body: ProxyBody, protected readonly faults: ProxyFaults) {
    this.name = body.name;
    this.listen = body.listen;
    this.upstream = body.upstream;
    this.toxics = faults.toxics;
  }

  abstract readonly kind: ProxyBody['kind'];
  abstract readonly runsFrameToxics: boolean;
  /** Bytes its links hold now, per direction (the link queue depth metric). */
  abstract queuedBytes(): Record<Direction, number>;
  /** Bind `listen` and serve; sets `listen` to the bound address. Called only while stopped. */
  protected abstract openListener(): Promise<Listener>;
  /** Stop listening and drop every connection: `listener` is what openListener() made. */
  protected abstract closeListener(listener: Listener): Promise<void>;

  get enabled(): boolean {
    return this.state.phase === ListenPhase.Running;
  }

  /** What the running proxy's openListener() made; undefined while stopped. */
  protected get listener(): Listener | undefined {
    return this.state.phase === ListenPhase.Running ? this.state.listener : undefined;
  }

  start(): Promise<void> {
    return this.afterTransition(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.afterTransition(() => this.stopNow());
  }

  /** The start step: runs only inside a transition. */
  private async startNow(): Promise<void> {
    if (this.state.phase === ListenPhase.Running) return;
    this.state = { phase: ListenPhase.Running, listener: await this.openListener() };
    this.faults.resume();
  }

  /** The stop step: runs only inside a transition. */
  private async stopNow(): Promise<void> {
    const state = this.state;
    if (state.phase === ListenPhase.Stopped) return;
    this.state = { phase: ListenPhase.Stopped };
    this.faults.pause();
    await this.closeListener(state.listener);
  }

  /** Run `step` once the start, stop or update before it settled (a failed start leaves the proxy stopped). */
  private afterTransition(step: () => Promise<void>): Promise<void> {
    const run = this.transition.then(step);
    this.transition = run.catch(() => undefined);
    return run;
  }

  /**
   * One transition, in order with start() and stop(): whether the proxy runs and where it listens
   * are read once the start, stop or update before it settled (read at call time, a start still binding
   * looked stopped, and an address change left the proxy stopped).
   */
  update(change: ProxyUpdate): Promise<void> {
    return this.afterTransition(async () => {
      const next = { listen: change.listen ?? this.listen, upstream: change.upstream ?? this.upstream };
      if (this.addressesDiffer(next)) {
        const wasEnabled = this.enabled;
        await this.stopNow();
        this.listen = next.listen;
        this.upstream = next.upstream;
        if (change.enabled ?? wasEnabled) await this.startNow();
        return;
      }
      if (change.enabled === true) await this.startNow();
      if (change.enabled === false) await this.stopNow();
    });
  }

  async reset(): Promise<void> {
    this.faults.clear();
    await this.start();
  }

  /** Go's Differs (addresses), plus h2race's fields: another kind or profile is another proxy. */
  differs(body: ProxyBody): boolean {
    return this.addressesDiffer(body) || body.kind !== this.kind || body.profile !== this.faults.profile;
  }

  /** Go's Differs: the requested listen address resolved, compared with the bound one. */
  protected addressesDiffer(other: { listen: string; upstream: string }): boolean {
    return resolveListen(other.listen) !== this.listen || other.upstream !== this.upstream;
  }

  toJSON(): ProxyJson {
    return {
      name: this.name,
      listen: this.listen,
      upstream: this.upstream,
      enabled: this.enabled,
      toxics: toxicsForApi(this.toxics),
      ...(this.faults.profile === undefined ? {} : { profile: this.faults.profile }),
    };
  }
}

/** Refuse a toxic the proxy cannot run, rather than accept one that would silently do nothing. */
export function checkToxicFits(proxy: ManagedProxy, spec: ToxicSpec): void {
  if (!proxy.runsFrameToxics && findToxicType(spec.type)?.kind === 'frame') {
    throw ApiError.join(ErrBadRequestBody, `type: ${spec.type} acts on HTTP/2 frames and proxy ${proxy.name} is a TCP proxy (kind: h2race runs it)`);
  }
}
