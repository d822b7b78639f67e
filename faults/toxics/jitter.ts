/**
 * Jitter as netem draws it: a uniform random number, optionally correlated with the previous one
 * (netem's get_crandom: next = (1−ρ)·u + ρ·last), mapped through the named distribution to a
 * zero-centred offset in units of `jitter`. Pure: no clock, no sockets.
 *
 *  uniform      [−1, +1)                  Toxiproxy's jitter (latency ± jitter)
 *  normal       N(0, 1)                   netem's normal table
 *  pareto       (u^(−1/3) − 1.5)·4/3      netem's pareto table (α = 3, mean removed)
 *  paretonormal 0.25·normal + 0.75·pareto netem's paretonormal mix
 *
 * The table-driven ones stop at ±4, as netem's int16 tables (scale 8192) do.
 */
import type { SeededRandom } from '../random.js';

export const JITTER_DISTRIBUTIONS = ['uniform', 'normal', 'pareto', 'paretonormal'] as const;
export type JitterDistribution = (typeof JITTER_DISTRIBUTIONS)[number];

export class JitterSource {
  private last: number | undefined;
  private readonly rho: number;

  constructor(
    private readonly distribution: JitterDistribution,
    correlationPercent: number,
    private readonly random: SeededRandom,
  ) {
    this.rho = Math.min(Math.max(correlationPercent, 0), 100) / 100;
  }

  /** The next offset, in units of jitter. */
  next(): number {
    const u = this.correlated();
    switch (this.distribution) {
      case 'uniform':
        return 2 * u - 1;
      case 'normal':
        return netemTable(inverseNormal(u));
      case 'pareto':
        return netemTable(pareto(u));
      case 'paretonormal':
        return netemTable(0.25 * inverseNormal(this.random.next()) + 0.75 * pareto(u));
    }
  }

  private correlated(): number {
    const u = this.random.next();
    const v = this.last === undefined || this.rho === 0 ? u : (1 - this.rho) * u + this.rho * this.last;
    this.last = v;
    return v;
  }
}

/** netem's tables hold int16 values scaled by NETEM_DIST_SCALE (8192): offsets stop at ±4. */
function netemTable(x: number): number {
  return Math.max(-32768 / 8192, Math.min(32767 / 8192, x));
}

function pareto(u: number): number {
  return (Math.pow(1 - u, -1 / 3) - 1.5) * (4 / 3);
}

/** Φ⁻¹ by Acklam's rational approximation (relative error < 1.2e−9). */
export function inverseNormal(p: number): number {
  const q0 = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (q0 < low) {
    const q = Math.sqrt(-2 * Math.log(q0));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (q0 > 1 - low) return -inverseNormal(1 - q0);
  const q = q0 - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}
