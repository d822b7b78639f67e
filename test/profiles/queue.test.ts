/**
 * A link's bottleneck queue as users state it: `--queue`, `queue:` in the config and in profile
 * steps, the bandwidth toxic's `queue` attribute (API), and the presets' defaults with a source.
 */
import { describe, expect, it } from 'vitest';
import { faultsSchema } from '../../config/faults-schema.js';
import { createLink } from '../../faults/link/link.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import { faultSettingsFromArgs } from '../../cli/fault-options.js';
import { queueBytesOf } from '../../faults/profiles/fault-settings.js';
import { planFaults } from '../../faults/profiles/plan.js';
import { PRESETS } from '../../faults/profiles/presets.js';
import { parseProfile } from '../../faults/profiles/profile-file.js';
import { parseQueue, queueBytes } from '../../faults/profiles/units.js';
import { SeededRandom } from '../../faults/random.js';
import { ToxicSpecError } from '../../faults/toxics/registry.js';
import { UsageError } from '../../cli/usage-error.js';

describe('queue units', () => {
  it('reads a time at the rate or a size', () => {
    expect(parseQueue('200ms')).toEqual({ ms: 200 });
    expect(parseQueue('1.5s')).toEqual({ ms: 1500 });
    expect(parseQueue('256kb')).toEqual({ bytes: 256_000 });
    expect(parseQueue('64KiB')).toEqual({ bytes: 65_536 });
    expect(parseQueue('1mb')).toEqual({ bytes: 1_000_000 });
    expect(parseQueue(3000)).toEqual({ bytes: 3000 });
    expect(queueBytes({ ms: 200 }, 1.6e6)).toBe(40_000);
    expect(queueBytes({ ms: 1 }, 8000)).toBe(1500);
  });

  it.each([
    ['fast', /"fast" is not a queue \(e\.g\. 200ms or 256kb\); units: ms, s, b, kb, kib, mb, mib/],
    ['100b', /below one packet \(1500 bytes\)/],
    ['0ms', /not a queue time above 0/],
    ['5 parsecs', /is not a queue/],
  ])('refuses %s with one line', (value, message) => {
    expect(() => parseQueue(value)).toThrow(message);
  });
});

describe('queue settings', () => {
  it('every preset with a rate but lan has a queue, with its source; lan and delay-only presets have none', () => {
    for (const p of PRESETS) {
      if (p.name === 'lan' || p.downBitsPerSecond === undefined) {
        expect(p.queue, p.name).toBeUndefined();
        continue;
      }
      expect(p.queue, p.name).toBeDefined();
      expect(p.queue!.source.length, p.name).toBeGreaterThan(20);
    }
  });

  it("a preset's queue goes on its bandwidth toxics, in time at each direction's rate", () => {
    const { toxics } = planFaults({ profile: '3g' });
    expect(toxics.find((t) => t.name === 'bandwidth_downstream')?.attributes).toMatchObject({ bits: 1_600_000, queue: '100ms' });
    // 100 ms at 1.6 Mbit/s down, at 768 kbit/s up.
    expect(queueBytesOf(toxics, 'downstream')).toBe(20_000);
    expect(queueBytesOf(toxics, 'upstream')).toBe(9_600);
    expect(queueBytesOf(planFaults({ profile: 'lan' }).toxics, 'downstream')).toBeUndefined();
    expect(queueBytesOf(planFaults({ profile: 'wifi' }).toxics, 'downstream')).toBe(1_500_000);
  });

  it('--queue overrides the preset; a bad one names the flag; one without a bottleneck is refused', () => {
    const settings = faultSettingsFromArgs({ profile: '4g', queue: '256kb' });
    expect(queueBytesOf(planFaults(settings).toxics, 'downstream')).toBe(256_000);
    expect(queueBytesOf(planFaults(faultSettingsFromArgs({ bandwidth: '4mbit', queue: '200ms' })).toxics, 'upstream')).toBe(100_000);
    expect(() => faultSettingsFromArgs({ queue: 'deep' })).toThrow(UsageError);
    expect(() => faultSettingsFromArgs({ queue: 'deep' })).toThrow(/^--queue: "deep" is not a queue/);
    expect(() => faultSettingsFromArgs({ latency: '50ms', queue: '64kb' })).toThrow(/^--queue needs a bottleneck/);
    expect(() => faultSettingsFromArgs({ profile: 'transatlantic', queue: '64kb' })).toThrow(UsageError);
    // The config's (or a step's) queue without a rate: the plan refuses it.
    expect(() => planFaults({ latency: 50, queue: { bytes: 64_000 } })).toThrow(/queue needs a bottleneck/);
    expect(() => planFaults({ profile: 'transatlantic', queue: { ms: 100 } })).toThrow(/queue needs a bottleneck/);
  });

  it('the config file and a profile step take queue', () => {
    const config = faultsSchema.parse({ bandwidth: '4mbit', queue: '64kib' });
    expect(queueBytesOf(planFaults(config).toxics, 'downstream')).toBe(65_536);
    expect(faultsSchema.safeParse({ bandwidth: '4mbit', queue: 'lots' }).error?.issues[0]?.path).toEqual(['queue']);
    const schedule = parseProfile('steps.yaml', 'steps:\n  - at: 0s\n    preset: 3g\n    faults: { queue: 20kb }\n  - at: 5s\n    preset: cable\n');
    expect(queueBytesOf(schedule.steps[0]!.toxics, 'downstream')).toBe(20_000);
    // cable: 100 ms at 5 Mbit/s.
    expect(queueBytesOf(schedule.steps[1]!.toxics, 'downstream')).toBe(62_500);
  });

  it("the API's bandwidth toxic takes queue as an attribute, checks it, and a live update reaches the link", () => {
    const set = new ToxicSet();
    let error: unknown;
    try {
      set.add({ type: 'bandwidth', attributes: { rate: 100, queue: 'deep' } });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ToxicSpecError);
    expect((error as ToxicSpecError).field).toBe('attributes.queue');
    expect(set.add({ type: 'bandwidth', attributes: { rate: 100, queue: 30_000 } }).attributes).toMatchObject({ queue: 30_000 });
    const link = createLink({
      direction: 'downstream',
      sink: (_data, cb) => cb(),
      control: { end: () => {}, reset: () => {} },
      random: new SeededRandom(1),
      toxics: set,
    });
    expect(link.queueLimit).toBe(30_000);
    // 100 KB/s: 250 ms is 25 kB.
    set.update('bandwidth_downstream', { attributes: { queue: '250ms' } });
    expect(link.queueLimit).toBe(25_000);
    set.update('bandwidth_downstream', { attributes: { queue: undefined } });
    expect(link.queueLimit).toBeUndefined();
    link.destroy();
  });
});
