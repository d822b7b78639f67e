/**
 * A proxy the Toxiproxy API manages. Two kinds sit behind this one interface:
 *   - 'tcp'    : what Toxiproxy is — bytes relayed through one link per direction (tcp-proxy.ts);
 *   - 'h2race' : the TLS HTTP/2 proxy with pool mode and profile (h2race-proxy.ts).
 *
 * Lifecycle: the ProxyCollection owns every ManagedProxy; it calls start/stop as the API says and
 * stop() once more when the proxy is deleted or the server closes. stop() ends every connection
 * the proxy accepted, so nothing outlives it.
 */
import type { ToxicSpec } from '../link/types.js';
import type { ToxicSet } from '../link/toxic-set.js';
import type { ProxyBody, ProxyUpdate } from '../../config/api-schema.js';

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
  /** Stop listening and drop every connection. Idempotent. */
  stop(): Promise<void>;
  /** PATCH semantics: a changed address restarts the proxy; `enabled` starts or stops it. */
  update(change: ProxyUpdate): Promise<void>;
  /** Whether `body` names a different listen address or upstream (populate replaces only then). */
  differs(body: ProxyBody): boolean;
  toJSON(): ProxyJson;
}

export type ProxyFactory = (body: ProxyBody) => ManagedProxy;

/** Toxiproxy lists a proxy's toxics upstream chain first, then downstream, each in creation order. */
export function toxicsForApi(toxics: ToxicSet): ToxicSpec[] {
  return [...toxics.list('upstream'), ...toxics.list('downstream')];
}
