/**
 * What one run comes to (summary.ts computes it, the tables, the HTML report and compare read it):
 * its counts and its verdict, worst first COLLATERAL, ERROR, ORIGIN-ERRORS, CLEAN (summary.ts
 * says what each means).
 */
import type { DamageStory } from './damage-story.js';
import type { DrainRecord, GoawaySide, RunRecord, ShapedPathRecord, StreamKind } from './types.js';

export type Verdict = 'CLEAN' | 'ORIGIN-ERRORS' | 'ERROR' | 'COLLATERAL';

export interface RunSummary {
  /** `grpc`: gRPC clients (RunRecord.clients): the SSE counters count the Watch call's messages. */
  clients?: RunRecord['clients'];
  mode?: string;
  profile?: string;
  /** Set when the viewers reached the target through a shaping relay running this profile. */
  shape?: string;
  target: string;
  durationMs: number;
  viewers: number;
  connections: number;
  streams: number;
  streamsByKind: Record<StreamKind, number>;
  /** Our RST_STREAM(CANCEL)s (seeks). */
  cancels: number;
  completed: number;
  /** Streams nobody cancelled that died with their connection or from bad bytes, stalled, or came back wrong. */
  collateral: number;
  /** Streams (not cancelled) that stalled: no progress for `stallAfterMs` while a PING was answered. */
  stalledStreams: number;
  /** Streams whose echoed headers, trailers or upload bytes differ from what was sent, or that the server reset as malformed although they were well-formed. */
  wrongContentStreams: number;
  /** The first difference found, in words (`header x-request-id: sent "v1-3", the server saw "v1-1"`). */
  firstWrongContent?: string;
  /** Burst streams the server refused (REFUSED_STREAM), as a burst beyond its limit means it to. */
  refusedStreams: number;
  /** Collateral failures per reason ('client GOAWAY FRAME_SIZE_ERROR': 12, ...). */
  collateralCodes: Record<string, number>;
  /** Streams the origin refused or failed one by one. */
  originErrors: number;
  /** Origin errors per reason ('HTTP 503': 4, 'RST_STREAM REFUSED_STREAM from server': 2, ...). */
  originErrorCodes: Record<string, number>;
  /** GOAWAYs per side, per error code name. */
  goaways: Record<GoawaySide, Record<string, number>>;
  corruptedBytes: number;
  /** Bodies the verifier could not check (their bytes are not in corruptedBytes). */
  verifyErrors: number;
  sseEvents: number;
  sseGaps: number;
  sseReconnects: number;
  sseBadEvents: number;
  /** The longest time a viewer's SSE went without an event, from its first request on. */
  sseMaxSilenceMs: number;
  /** SSE streams that never delivered an event. */
  sseSilentStreams: number;
  /** How late SSE events arrived, ms (sse-delay.ts); undefined without events. */
  sseDelayP50Ms?: number;
  sseDelayP99Ms?: number;
  /** stamp: from the origin's send time; arrival-gaps: an unstamped origin, from the events' spacing. */
  sseDelaySource: 'stamp' | 'arrival-gaps' | 'mixed' | 'none';
  /** Races the pool counted (buffer reused while its write was pending); undefined when unknown. */
  poolRaces?: number;
  /** Response body bytes received, all streams (the sum of their `bytes`). */
  bodyBytes: number;
  /**
   * Goodput: body bytes of responses that completed or were still wanted when the run ended
   * (not cancelled, not broken), per second of the run.
   */
  goodputBytesPerSec: number;
  /**
   * DATA bytes the server sent for streams we cancelled or that broke (as the relay saw them, with
   * those the client dropped after a cancel): link capacity spent on nothing anyone could use.
   */
  wastedBytes: number;
  /** The link's capacity toward the viewers (each has its own link of the profile's rate), when the profile is a preset. */
  capacityBytesPerSec?: number;
  /**
   * Video bytes the viewers received intact per second: of every video stream that did not fail,
   * a cancelled range's bytes before its seek included (they arrived whole; what the server sent
   * after the cancel is wasted).
   */
  videoGoodputBytesPerSec: number;
  /** The capacity left for video over the whole run: the links' capacity less what SSE and small requests received. */
  videoCapacityBytesPerSec?: number;
  /** How long the viewers' players wanted bytes (reading, not paused at their read-ahead target), ms summed over viewers; absent for gRPC clients. */
  videoWantingMs?: number;
  /**
   * Video goodput's share of the capacity left for video WHILE the players wanted bytes (summary.ts,
   * videoShareOfLeft): video bytes that arrived then, intact, over each viewer's wanting time × its
   * link's rate less its SSE and small requests' rate. A fast link fills a player's buffer and then
   * idles, so the whole run's capacity (videoCapacityBytesPerSec) would make it look bad. gRPC
   * clients always want: their share is over the whole run. Undefined when the profile is no preset.
   */
  videoShareOfLeft?: number;
  /**
   * The most of videoShareOfLeft the run's own seeks allow any proxy (seek-bound.ts): each seek's
   * first new byte waits one RTT plus the queue's time, while the cancelled range's bytes fill the
   * link. Undefined when the path is not a preset with a queue (unknown or varying W).
   */
  videoShareAllowed?: number;
  /** The viewers' downstream link queue (compare): the deepest one seen and the profile's queue, bytes and ms at its rate. */
  queue?: { peakBytes: number; peakMs?: number; limitBytes?: number; limitMs?: number };
  /** Connections with damage: a client GOAWAY with an error, a corrupted byte or a collateral failure. */
  damagedConnections: number;
  /** The first STORIES_KEPT of them, the first damaged first (damage-story.ts): each one's story in order. */
  damage: DamageStory[];
  /** The shaping relay's measured RTT and rate beside its preset's (scenario --shape). */
  shapedPath?: ShapedPathRecord;
  /** When what the server wrote after the run's last cancel had arrived. */
  drain?: DrainRecord;
  verdict: Verdict;
  /** Why the run could not test (verdict ERROR). */
  error?: string;
}
