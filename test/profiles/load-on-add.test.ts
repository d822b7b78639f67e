/**
 * A file a toxic names (a schedule's profile file, a trace) is read when the toxic is added, not
 * while its attributes are validated, and read again at the next add or update: an edited file
 * counts from then, and a toxic added before keeps what it read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { faultsSchema } from '../../config/faults-schema.js';
import { ToxicSet } from '../../faults/link/toxic-set.js';
import type { ToxicSpec } from '../../faults/link/types.js';
import type { Schedule } from '../../faults/profiles/profile-file.js';
import type { DeliveryTrace } from '../../faults/profiles/trace-loader.js';
import { startH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { silentLogger } from '../../proxy/log.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-load-on-add-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const labels = (spec: ToxicSpec) => (spec.loaded as Schedule).steps.map((step) => step.label);

describe('toxic files are read when the toxic is added', () => {
  it('a schedule added after its file was edited walks the edited steps; one added before keeps its own until updated', () => {
    const file = write('walk.yaml', 'preset: 4g\n');
    const set = new ToxicSet();
    const before = set.add({ name: 'before', type: 'schedule', attributes: { file } });
    write('walk.yaml', 'steps:\n  - at: 0s\n    preset: 3g\n  - at: 5s\n    label: tunnel\n    faults: { latency: 400ms }\n');
    const after = set.add({ name: 'after', type: 'schedule', attributes: { file } });
    expect(labels(before)).toEqual(['4g']);
    expect(labels(after)).toEqual(['3g', 'tunnel']);
    expect(labels(set.get('before')!)).toEqual(['4g']);
    // An update is an add of the toxic's new version: it reads the file again.
    expect(labels(set.update('before', { toxicity: 0.5 }))).toEqual(['3g', 'tunnel']);
  });

  it('a trace is read at each add as well', () => {
    const file = write('edited.down', '10\n20\n');
    const set = new ToxicSet([{ name: 'first', type: 'trace', attributes: { file } }]);
    write('edited.down', '10\n20\n30\n90\n');
    const second = set.add({ name: 'second', type: 'trace', attributes: { file } });
    expect((set.get('first')!.loaded as DeliveryTrace).period).toBe(20);
    expect((second.loaded as DeliveryTrace).period).toBe(90);
  });

  it('validation checks the shape only; the missing file is one line when the toxic is added', () => {
    const missing = join(dir, 'missing.yaml');
    const parsed = faultsSchema.parse({ toxics: [{ type: 'schedule', attributes: { file: missing } }] });
    expect(parsed.toxics![0]!.loaded).toBeUndefined();
    const set = new ToxicSet();
    expect(() => set.replace(parsed.toxics!)).toThrow(new RegExp(`^attributes\\.file: ${missing}: cannot read profile: ENOENT[^\\n]*$`));
    // Nothing changed: the set refuses the whole list.
    expect(set.list()).toEqual([]);
  });

  it('a config reload whose trace cannot be read is refused before anything changes: the toxics stay, the schedule walks on', async () => {
    const { certPath, keyPath } = await testCert();
    const profile = write('two-steps.yaml', 'steps:\n  - at: 0s\n    faults: { latency: 10ms }\n  - at: 300ms\n    faults: { latency: 20ms }\n');
    // The origin is never asked: no request is made.
    const running = await startH2race({ listen: '127.0.0.1:0', origin: 'h2c://127.0.0.1:9', cert: certPath, key: keyPath, faults: { profile }, logger: silentLogger(), events: createProxyEvents() });
    try {
      const latency = () => running.toxics.get('latency_downstream')?.attributes.latency;
      expect(latency()).toBe(10);
      expect(() => running.reconfigureFaults({ traceDown: join(dir, 'gone.down') })).toThrow(/^attributes\.file: .*gone\.down: cannot read trace: ENOENT[^\n]*$/);
      expect(latency()).toBe(10);
      await waitFor('the running schedule\'s second step', () => latency() === 20);
    } finally {
      await running.close();
    }
  });

  it("a profile file's step toxics are read with the file: a missing trace names the file and the step", () => {
    const file = write('steps.yaml', `steps:\n  - at: 0s\n    preset: 4g\n  - at: 2s\n    faults: { traceDown: ${join(dir, 'gone.down')} }\n`);
    expect(() => new ToxicSet([{ type: 'schedule', attributes: { file } }])).toThrow(
      /^attributes\.file: .*steps\.yaml: step 2 \(at 2s\): attributes\.file: .*gone\.down: cannot read trace: ENOENT[^\n]*$/,
    );
  });
});
