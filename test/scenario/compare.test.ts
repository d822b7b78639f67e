/**
 * compare through real h2race proxies (startH2race) on the cable profile: the bug mode breaks
 * connections, the fix stays clean, and the report files say so.
 */
import { describe, expect, it } from 'vitest';
import { verdictExitCode } from '../../cli/exit-codes.js';
import { runCompare } from '../../scenario/compare.js';
import { compareWithKnownRace } from '../helpers/known-race.js';
import { renderHtmlReport } from '../../scenario/report-html.js';
import { formatTable } from '../../scenario/report-table.js';

describe('compare', () => {
  it('release-on-reset is COLLATERAL with client GOAWAYs and pool races; retain is CLEAN; exit code 0', async () => {
    const result = await compareWithKnownRace(['release-on-reset', 'retain']);
    const [bug, fix] = result.runs.map((r) => r.summary);
    const why = JSON.stringify(result.runs.map((r) => r.summary));
    expect(bug!.mode).toBe('release-on-reset');
    expect(bug!.verdict, why).toBe('COLLATERAL');
    expect(bug!.poolRaces, why).toBeGreaterThan(0);
    expect(bug!.collateral, why).toBeGreaterThan(0);
    const clientGoaways = Object.entries(bug!.goaways.client);
    expect(clientGoaways.length, why).toBeGreaterThan(0);
    // Corrupted frames break framing (PROTOCOL/FRAME_SIZE) or, when a HEADERS block is hit, HPACK
    // (COMPRESSION). Other violations nghttp2 finds in the stale bytes (a frame for a stream in a
    // bad state, say) fail node:http2's session with ERR_HTTP2_ERROR, which it answers with
    // GOAWAY(INTERNAL_ERROR): allowed only on a connection whose session reported just that.
    const record = result.runs[0]!.record;
    const nghttp2Failed = new Set(record.sessionErrors.filter((e) => e.message.startsWith('ERR_HTTP2_ERROR')).map((e) => e.connection));
    for (const g of record.goaways.filter((x) => x.side === 'client')) {
      const seen = JSON.stringify({ goaway: g, sessionErrors: record.sessionErrors });
      if (g.code === 2 /* INTERNAL_ERROR */) expect(nghttp2Failed.has(g.connection), seen).toBe(true);
      else expect([1, 6, 9] /* PROTOCOL, FRAME_SIZE, COMPRESSION */, seen).toContain(g.code);
    }
    // The SSE streams nobody cancelled die with the connection, as in the Jetty report.
    const sseKilled = result.runs[0]!.record.streams.filter(
      (x) => x.kind === 'events' && x.outcome === 'failed' && x.error?.startsWith('client GOAWAY'),
    );
    expect(sseKilled.length, why).toBeGreaterThan(0);
    expect(bug!.sseReconnects, why).toBeGreaterThan(0);
    expect(fix!.mode).toBe('retain');
    expect(fix!.verdict, why).toBe('CLEAN');
    expect(fix!.poolRaces, why).toBe(0);
    expect(fix!.cancels, why).toBeGreaterThan(5);
    // What the seeks allow: on a preset with a queue, a share in (0, 1] (the measured share may sit
    // above it by the cancelled ranges' bytes that arrived before their seeks, so no tighter check).
    const allowed = (JSON.parse(JSON.stringify(fix)) as { videoShareAllowed?: number }).videoShareAllowed;
    expect(allowed, why).toBeGreaterThan(0);
    expect(allowed, why).toBeLessThanOrEqual(1);
    expect(verdictExitCode(result.verdict)).toBe(0);
    expect(result.failedSafeModes).toEqual([]);
    expect(result.verdict).toBe('CLEAN');
    // Every failure the race caused died with its connection: none passes as the origin's.
    expect(bug!.originErrors, why).toBe(0);

    const table = formatTable(result.runs.map((r) => r.summary));
    expect(table).toMatch(/^release-on-reset\s+cable\s+COLLATERAL/m);
    expect(table).toMatch(/^retain\s+cable\s+CLEAN/m);
    expect(table).toContain('collateral: client GOAWAY');

    const html = renderHtmlReport(result.runs);
    // One self-contained file: no script, no external resource (links only within the page).
    expect(html).not.toMatch(/<script|<link|src=|href="(?!#)/i);
    expect(html).toContain('<span class="v COLLATERAL">COLLATERAL</span>');
    expect(html).toMatch(/client GOAWAY (PROTOCOL_ERROR|FRAME_SIZE_ERROR|COMPRESSION_ERROR|INTERNAL_ERROR)/);
    expect(html).toContain('class="bar o-collateral"');
    // The first damaged connection's story, in order, on the page; a FRAME_SIZE_ERROR always has its oversized header named.
    const story = bug!.damage[0]!;
    expect(story.lines.map((l) => l.step), JSON.stringify(story)).toEqual(['cancel', 'race', 'unparsable-frame', 'goaway', 'taken-down']);
    expect(story.takenDown[0]!.kind, JSON.stringify(story)).toBe('events');
    for (const line of story.lines) expect(html).toContain(line.text.replace(/'/g, '&#39;'));
    for (const d of bug!.damage.filter((x) => x.goaway?.codeName === 'FRAME_SIZE_ERROR')) {
      expect(d.unparsableFrame?.problem, JSON.stringify(d)).toMatch(/exceeds SETTINGS_MAX_FRAME_SIZE|payload must be/);
    }
    expect((html.match(/class="timeline"/g) ?? []).length).toBeGreaterThan(1);
  });

  it('a safe mode whose origin resets streams is ORIGIN-ERRORS, and fails the exit code with 4', async () => {
    // A stand-in proxy that really proxies nothing but points viewers at an origin that resets.
    const { resetSseOnCancel } = await import('./test-origins.js');
    const bad = await resetSseOnCancel();
    try {
      const result = await runCompare({
        modes: ['retain'],
        profiles: ['lan'],
        origin: 'h2c://127.0.0.1:9',
        startProxyForMode: async () => ({ url: bad.origin.urls.tls!, poolRaces: () => 0, close: async () => {} }),
        viewers: 2,
        durationMs: 1500,
        seeksPerSecond: 4,
      });
      expect(result.runs[0]!.summary.verdict).toBe('ORIGIN-ERRORS');
      expect(result.failedSafeModes).toEqual(['retain (lan)']);
      expect(result.verdict).toBe('ORIGIN-ERRORS');
      expect(verdictExitCode(result.verdict)).toBe(4);
    } finally {
      await bad.origin.close();
    }
  });
});
