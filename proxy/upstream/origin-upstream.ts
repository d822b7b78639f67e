/**
 * Everything the proxy holds toward one origin, by its scheme:
 *   https://  HTTP/2 pool over TLS (ALPN h2); falls back to an HTTP/1.1 agent for good when the
 *             origin answers ALPN without h2
 *   h2c://    HTTP/2 pool, cleartext, prior knowledge
 *   http://   HTTP/1.1 keep-alive agent
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ProxyConfig } from '../../config/proxy-schema.js';
import type { UpstreamWrapper } from '../connection-wrapper.js';
import type { ProxyEvents } from '../events.js';
import type { UpstreamConnectionOptions } from './connect.js';
import { H1Agent } from './h1-agent.js';
import { H2Pool } from './h2-pool.js';
import type { BugModel } from '../../h2/proto/bug-models/catalogue.js';

export class OriginUpstream {
  readonly origin: URL;
  readonly tls: boolean;
  readonly h2?: H2Pool;
  /** The HTTP/1.1 agent requests take when usesH1; made with the upstream (it connects on first use). */
  readonly h1: H1Agent;
  private tunnelAgent?: H1Agent;
  /** What the h2 pool and the HTTP/1.1 agent connect with. */
  private readonly connection: UpstreamConnectionOptions;

  constructor(
    private readonly config: ProxyConfig['upstream'],
    origin: string,
    wrapper: UpstreamWrapper | undefined,
    events: ProxyEvents,
    logger: Logger,
    keylog?: (line: Buffer) => void,
    bugModels: readonly BugModel[] = [],
  ) {
    this.origin = new URL(origin);
    this.tls = this.origin.protocol === 'https:';
    this.connection = {
      origin: this.origin,
      tls: this.tls,
      idleTimeoutMs: config.idleTimeoutMs,
      connectTimeoutMs: config.connectTimeoutMs,
      rejectUnauthorized: config.rejectUnauthorized,
      ca: config.ca === undefined ? undefined : readCa(config.ca),
      wrapper,
      keylog,
      events,
      logger,
    };
    if (this.origin.protocol !== 'http:') {
      this.h2 = new H2Pool({
        ...this.connection,
        settings: config.settings,
        connectionWindowSize: config.connectionWindowSize,
        linger: config.linger,
        maxSessions: config.maxSessions,
        maxQueued: config.maxQueued,
        bugModels,
      });
    }
    this.h1 = new H1Agent({ ...this.connection, maxSockets: config.maxSockets });
  }

  /** Whether requests go over HTTP/1.1: http://, or, for good, an https:// origin that answered ALPN without h2. */
  get usesH1(): boolean {
    return this.h2 === undefined || this.h2.answeredWithoutH2;
  }

  /**
   * HTTP/1.1 connections for WebSocket tunnels, made on first use; apart from the request agent,
   * so a tunnel's sockets never serve requests. An upgraded socket leaves its agent (Node's
   * 'agentRemove'): the tunnel that holds it ends it.
   */
  get tunnels(): H1Agent {
    this.tunnelAgent ??= new H1Agent({ ...this.connection, maxSockets: this.config.maxSockets });
    return this.tunnelAgent;
  }

  /** Graceful: HTTP/2 sessions drain (up to `timeoutMs`); idle HTTP/1.1 connections close. */
  async close(timeoutMs: number): Promise<void> {
    this.h1.destroy();
    this.tunnelAgent?.destroy();
    await this.h2?.close(timeoutMs);
  }

  destroy(): void {
    this.h2?.destroy();
    this.h1.destroy();
    this.tunnelAgent?.destroy();
  }
}

function readCa(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read upstream CA ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}
