import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * The one source of randomness for every fault decision. Each decision site derives its own
 * stream from the run's seed and a label, so adding a fault somewhere never shifts the
 * sequence another fault sees: the same seed replays the same decisions.
 */
export class SeededRandom {
  private readonly rng: RandomGenerator;

  constructor(readonly seed: number, readonly label = '') {
    this.rng = xoroshiro128plus(mix(seed, label));
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }

  /** A uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A standard normal deviate (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A child stream for a sub-decision site (per connection, per toxic, ...). */
  fork(label: string): SeededRandom {
    return new SeededRandom(this.seed, `${this.label}/${label}`);
  }
}

/** FNV-1a over the label, folded into the seed: a stable 32-bit seed per (seed, label). */
function mix(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
