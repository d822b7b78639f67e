import { describe, expect, it } from 'vitest';
import { faultsSchema } from '../../config/faults-schema.js';
import { faultCliOptions, faultSettingsFromArgs } from '../../cli/fault-options.js';
import { planFaults } from '../../faults/profiles/plan.js';
import { findPreset, PRESETS } from '../../faults/profiles/presets.js';
import { parseDuration, parsePercent, parseRate } from '../../faults/profiles/units.js';

describe('units', () => {
  it('parses durations, rates and percentages as users type them', () => {
    expect(parseDuration('80ms')).toBe(80);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(25)).toBe(25);
    expect(parseRate('4mbit')).toBe(4_000_000);
    expect(parseRate('512kbit')).toBe(512_000);
    expect(parseRate('1gbit')).toBe(1e9);
    expect(parsePercent('0.5%')).toBe(0.5);
    expect(parsePercent(2)).toBe(2);
  });

  it('refuses what it cannot read, naming the flag', () => {
    expect(() => faultSettingsFromArgs({ latency: 'soon' })).toThrow(/^--latency: "soon" is not a duration/);
    expect(() => faultSettingsFromArgs({ bandwidth: '4mb' })).toThrow(/^--bandwidth: .*units: bit, kbit, mbit, gbit/);
    expect(() => faultSettingsFromArgs({ loss: '120%' })).toThrow(/^--loss: .*between 0 and 100/);
    expect(() => faultSettingsFromArgs({ jitter: '0.5ms' })).toThrow(/^--jitter: .*whole number of milliseconds/);
    expect(() => faultSettingsFromArgs({ seed: 1.5 })).toThrow(/^--seed/);
    expect(() => faultSettingsFromArgs({ traceDown: '/nonexistent.down' })).toThrow(/^--trace-down: \/nonexistent\.down: cannot read trace/);
  });

  it('declares the flags the proxy command wires', () => {
    expect(Object.keys(faultCliOptions)).toEqual(['profile', 'latency', 'jitter', 'bandwidth', 'queue', 'loss', 'trace-down', 'trace-up', 'reorder', 'rst-delay', 'rst-inject', 'seed']);
  });
});

describe('presets', () => {
  it('every preset has numbers and a source', () => {
    expect(PRESETS.map((p) => p.name)).toEqual(
      expect.arrayContaining(['lan', 'wifi', 'cable', 'dsl', '4g', '3g', '2g', 'edge', 'satellite', 'intercontinental', 'lossy-mobile']),
    );
    for (const p of PRESETS) {
      expect(p.source.length, p.name).toBeGreaterThan(20);
      expect(p.rttMs > 0 || p.downBitsPerSecond !== undefined, p.name).toBe(true);
    }
    expect(findPreset('2G-EDGE')?.name).toBe('edge');
  });

  it('a preset expands to toxics per direction; single faults override it', () => {
    const { toxics } = planFaults({ profile: '4g' });
    const byName = Object.fromEntries(toxics.map((t) => [t.name, t]));
    expect(byName.bandwidth_downstream?.attributes).toMatchObject({ bits: 8_100_000 });
    expect(byName.bandwidth_upstream?.attributes).toMatchObject({ bits: 1_350_000 });
    expect(byName.latency_downstream?.attributes).toMatchObject({ latency: 83 });
    expect(byName.latency_upstream?.attributes).toMatchObject({ latency: 83 });

    const overridden = planFaults(faultSettingsFromArgs({ profile: 'lossy-mobile', latency: '10ms', bandwidth: '1mbit' }));
    const names = overridden.toxics.map((t) => `${t.stream}:${t.type}`);
    // Chain order per direction: bottleneck, latency, loss (at the receiver).
    expect(names).toEqual([
      'downstream:bandwidth', 'downstream:latency', 'downstream:loss',
      'upstream:bandwidth', 'upstream:latency', 'upstream:loss',
    ]);
    const latency = overridden.toxics.find((t) => t.name === 'latency_downstream')!;
    expect(latency.attributes).toMatchObject({ latency: 10, jitter: 40, distribution: 'paretonormal' });
    expect(overridden.toxics.find((t) => t.name === 'loss_upstream')!.attributes).toMatchObject({ percent: 2, rto: 300, rtt: 20 });
  });

  it('an unknown profile is an error that lists the presets', () => {
    expect(() => planFaults({ profile: 'moon' })).toThrow(/unknown profile "moon".*lan, wifi/);
  });
});

describe('config faults schema', () => {
  it('takes the flags’ names and units and yields settings planFaults takes', () => {
    const parsed = faultsSchema.parse({
      seed: 7,
      profile: 'cable',
      latency: '40ms',
      bandwidth: 2_000_000,
      loss: '1%',
      toxics: [{ type: 'slicer', stream: 'downstream', attributes: { average_size: 100 } }],
    });
    expect(parsed).toMatchObject({ seed: 7, latency: 40, bandwidth: 2_000_000, loss: 1 });
    const { toxics } = planFaults(parsed);
    expect(toxics.map((t) => t.name)).toContain('slicer_downstream');
    expect(toxics.find((t) => t.name === 'bandwidth_upstream')!.attributes).toMatchObject({ bits: 2_000_000 });
  });

  it('names the field at fault', () => {
    const bad = faultsSchema.safeParse({ jitter: '3 parsecs' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['jitter']);
    const badToxic = faultsSchema.safeParse({ toxics: [{ type: 'latency', attributes: { latency: -5 } }] });
    expect(badToxic.error!.issues[0]!.path).toEqual(['toxics', 0, 'attributes', 'latency']);
    expect(faultsSchema.safeParse({ latncy: '5ms' }).success).toBe(false);
  });

  it('checks the shape of a trace path only: the file is read when the plan makes its toxic, one line naming it', () => {
    const parsed = faultsSchema.parse({ traceUp: '/nonexistent.up' });
    expect(parsed.traceUp).toBe('/nonexistent.up');
    expect(() => planFaults(parsed)).toThrow(/^attributes\.file: \/nonexistent\.up: cannot read trace: ENOENT[^\n]*$/);
  });
});
