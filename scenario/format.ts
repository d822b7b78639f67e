/** Small formatting helpers shared by the terminal table and the HTML report. */
import type { RunSummary } from './summary.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatRate(bytesPerSec: number): string {
  return `${((bytesPerSec * 8) / 1e6).toFixed(2)} Mbit/s`;
}

/** `{a: 2, b: 1}` → `a×2 b×1`; empty → `-`. */
export function formatCounts(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k}×${v}`);
  return parts.length ? parts.join(' ') : '-';
}

export function goawayTotal(s: RunSummary, side: 'client' | 'server'): number {
  return Object.values(s.goaways[side]).reduce((a, b) => a + b, 0);
}
