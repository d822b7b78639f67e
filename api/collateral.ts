/**
 * Which ended streams are collateral damage: streams that did not finish and did not cancel, but
 * died because their connection was torn down by an error GOAWAY (the client answering corrupt
 * bytes, the origin failing, or the proxy refusing a misbehaving peer) — the cost of one
 * stream's fault paid by every other stream on the connection.
 *
 * A stream that dies with its connection for any other reason (the client simply closed it) is
 * not collateral. Fed from the proxy's events in order: the GOAWAY arrives before the streams of
 * its connection end.
 */
import type { GoawayRecord, StreamEndRecord } from '../proxy/events.js';

/** Connections remembered per side; older ones are forgotten (their streams have long ended). */
const REMEMBERED = 4096;

export class CollateralTracker {
  private readonly torn = { downstream: new Set<number>(), upstream: new Set<number>() };

  goaway(e: GoawayRecord): void {
    if (e.code === 0) return;
    const set = this.torn[e.side];
    set.add(e.id);
    if (set.size > REMEMBERED) set.delete(set.values().next().value!);
  }

  isCollateral(e: StreamEndRecord): boolean {
    if (e.outcome !== 'reset' && e.outcome !== 'upstream-error') return false;
    return this.torn.downstream.has(e.connectionId) || (e.upstreamId !== undefined && this.torn.upstream.has(e.upstreamId));
  }
}
