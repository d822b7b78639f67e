import { describe, expect, it, vi } from 'vitest';

// The toxic modules and the profile modules import each other in a cycle (a schedule toxic
// reads profile files, profile files hold toxics; TODO #17 in .dependency-cruiser.cjs); whichever is imported
// first, everything must load and every toxic type must be registered.
const entries = [
  '../../faults/profiles/fault-settings.js',
  '../../faults/profiles/profile-file.js',
  '../../faults/profiles/plan.js',
  '../../faults/toxics/schedule.js',
  '../../faults/toxics/profile.js',
  '../../faults/toxics/all.js',
  '../../faults/link/toxic-set.js',
  '../../faults/link/sub-chain.js',
  '../../faults/link/link.js',
  '../../config/api-schema.js',
  '../../config/faults-schema.js',
];

describe('module load order', () => {
  it.each(entries)('%s can be imported first', async (entry) => {
    vi.resetModules();
    await import(entry);
    const registry = await import('../../faults/toxics/registry.js');
    const types = registry.listToxicTypes().map((t) => t.type);
    expect(types).toEqual(expect.arrayContaining(['latency', 'bandwidth', 'trace', 'profile', 'schedule', 'reorder']));
  });
});
