/**
 * The set of proxies the API manages (Toxiproxy's ProxyCollection): unique names, creation,
 * populate's add-or-replace, delete, reset. It owns every ManagedProxy it holds: a proxy ends
 * (stop) when it is deleted, replaced, or the collection is closed.
 *
 * Changes run one at a time: starting a proxy is asynchronous, and two requests racing for one
 * name must not both pass the "already exists" check.
 */
import type { ProxyBody, ProxyUpdate } from '../config/api-schema.js';
import { ApiError, ErrProxyAlreadyExists, ErrProxyNotFound } from './api-error.js';
import type { ManagedProxy, ProxyFactory } from './managed-proxy.js';

export interface PopulateResult {
  proxies: ManagedProxy[];
  error?: ApiError;
}

export class ProxyCollection {
  private readonly proxies = new Map<string, ManagedProxy>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly factory: ProxyFactory) {}

  private closed = false;

  /** Run one change after the previous one finished; none is accepted once close() was called. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the API server is shutting down'));
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Proxies sorted by name, as Go's JSON encoder orders a map. */
  list(): ManagedProxy[] {
    return [...this.proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): ManagedProxy {
    const proxy = this.proxies.get(name);
    if (!proxy) throw ErrProxyNotFound;
    return proxy;
  }

  add(body: ProxyBody): Promise<ManagedProxy> {
    return this.exclusive(async () => {
      if (this.proxies.has(body.name)) throw ErrProxyAlreadyExists;
      const proxy = this.factory(body);
      if (body.enabled) await proxy.start();
      this.proxies.set(body.name, proxy);
      return proxy;
    });
  }

  /** POST /populate: apply in order, stop at the first failure and report what was applied. */
  populate(bodies: ProxyBody[]): Promise<PopulateResult> {
    return this.exclusive(async () => {
      const applied: ManagedProxy[] = [];
      for (const body of bodies) {
        try {
          applied.push(await this.addOrReplace(body));
        } catch (err) {
          return { proxies: applied, error: ApiError.from(err) };
        }
      }
      return { proxies: applied };
    });
  }

  /** An existing proxy with the same addresses is kept as is (toxics and all). */
  private async addOrReplace(body: ProxyBody): Promise<ManagedProxy> {
    const existing = this.proxies.get(body.name);
    if (existing) {
      if (!existing.differs(body)) return existing;
      await existing.stop();
      this.proxies.delete(body.name);
    }
    const proxy = this.factory(body);
    if (body.enabled) await proxy.start();
    this.proxies.set(body.name, proxy);
    return proxy;
  }

  /** PATCH: only while `proxy` is still the one under its name (a DELETE may have won the race). */
  update(proxy: ManagedProxy, change: ProxyUpdate): Promise<void> {
    return this.exclusive(async () => {
      if (this.proxies.get(proxy.name) !== proxy) throw ErrProxyNotFound;
      await proxy.update(change);
    });
  }

  remove(name: string): Promise<void> {
    return this.exclusive(async () => {
      const proxy = this.get(name);
      await proxy.stop();
      this.proxies.delete(name);
    });
  }

  /** POST /reset: every proxy enabled again, every toxic removed. */
  reset(): Promise<void> {
    return this.exclusive(async () => {
      for (const proxy of this.list()) await proxy.reset();
    });
  }

  /** Stop and forget every proxy (server shutdown). */
  close(): Promise<void> {
    const run = this.exclusive(async () => {
      const all = [...this.proxies.values()];
      this.proxies.clear();
      await Promise.all(all.map((p) => p.stop()));
    });
    // Changes asked for after the close are refused, so no proxy starts after it.
    this.closed = true;
    return run;
  }
}
