/**
 * Who ended a client connection: the first GOAWAY on it decides. h2race's own first (error, or
 * graceful at shutdown) means h2race ended it on purpose, and `ended` is told once, with the
 * GOAWAY that names the last stream (a graceful close's 2^31-1 announcement only marks it); the
 * client's first means h2race's later GOAWAY is an answer, and nothing is told.
 *
 * Lifecycle: one per EnginePath, as long as it.
 */
import { MAX_STREAM_ID } from '../../h2/proto/go-away.js';

export const EndWitnessPhase = {
  Open: 0,
  /** h2race announced a graceful close (GOAWAY 2^31-1): its final GOAWAY is still to come. */
  Announced: 1,
  /** Decided and told: h2race ended it. */
  Ours: 2,
  /** The client's GOAWAY came first. */
  Peers: 3,
} as const;
export type EndWitnessPhase = (typeof EndWitnessPhase)[keyof typeof EndWitnessPhase];

export class EndWitness {
  phase: EndWitnessPhase = EndWitnessPhase.Open;

  constructor(private readonly ended: (end: { code: number; lastStreamId: number }) => void) {}

  peerGoaway(): void {
    if (this.phase === EndWitnessPhase.Open) this.phase = EndWitnessPhase.Peers;
  }

  ownGoaway(code: number, lastStreamId: number): void {
    if (this.phase !== EndWitnessPhase.Open && this.phase !== EndWitnessPhase.Announced) return;
    if (lastStreamId === MAX_STREAM_ID) {
      this.phase = EndWitnessPhase.Announced;
      return;
    }
    this.phase = EndWitnessPhase.Ours;
    this.ended({ code, lastStreamId });
  }
}
