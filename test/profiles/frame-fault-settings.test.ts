/**
 * The frame faults as flags (`--reorder`, `--rst-delay`, `--rst-inject`) and config fields
 * (`faults.reorder`, `faults.rstDelay`, `faults.rstInject`): what they parse to, the frame toxics
 * planFaults makes of them (merged with a preset or a profile file's steps), and errors that name
 * the flag or the field.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { describe, expect, it } from 'vitest';
import { proxyCommand, type ProxyArgs } from '../../cli/proxy-command.js';
import { loadConfigFile } from '../../config/load.js';
import { faultSettingsFromArgs } from '../../cli/fault-options.js';
import { planFaults } from '../../faults/profiles/plan.js';

const dir = mkdtempSync(join(tmpdir(), 'h2race-frame-faults-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The frame toxics of a plan, by name. */
function frameToxics(toxics: ReturnType<typeof planFaults>['toxics']) {
  return Object.fromEntries(
    toxics.filter((t) => ['reorder', 'rst_delay', 'rst_inject'].includes(t.type)).map((t) => [t.name, { stream: t.stream, attributes: t.attributes }]),
  );
}

describe('flags', () => {
  it('parse as `h2race proxy` gets them from yargs and become downstream frame toxics', async () => {
    const argv = (await (proxyCommand.builder as (y: ReturnType<typeof yargs>) => ReturnType<typeof yargs>)(yargs([]))
      .exitProcess(false)
      .parse(['--reorder', '8:30%', '--rst-delay', '1.5s', '--rst-inject', '/video@300ms:0.5'])) as unknown as ProxyArgs;
    const settings = faultSettingsFromArgs(argv);
    expect(settings).toMatchObject({
      reorder: { window: 8, probability: 0.3 },
      rstDelay: 1500,
      rstInject: { path: '/video', after: 300, probability: 0.5 },
    });
    expect(frameToxics(planFaults(settings).toxics)).toEqual({
      reorder_downstream: { stream: 'downstream', attributes: { window: 8, probability: 0.3 } },
      rst_delay_downstream: { stream: 'downstream', attributes: { delay: 1500 } },
      rst_inject_downstream: { stream: 'downstream', attributes: { path: '/video', after: 300, probability: 0.5 } },
    });
  });

  it('optional parts take the toxic’s defaults; a /regex/ path keeps its colons', () => {
    const { toxics } = planFaults(faultSettingsFromArgs({ reorder: '4', rstInject: '/^\\/v\\/(a|b):x$/' }));
    expect(frameToxics(toxics)).toEqual({
      reorder_downstream: { stream: 'downstream', attributes: { window: 4, probability: 0.5 } },
      rst_inject_downstream: { stream: 'downstream', attributes: { path: '/^\\/v\\/(a|b):x$/', after: 0, probability: 1 } },
    });
  });

  it('a bad value is one line naming the flag (and the part of it at fault)', () => {
    const cases: Array<[Partial<ProxyArgs>, RegExp]> = [
      [{ reorder: '0' }, /^--reorder: window: Too small: expected number to be >=1$/],
      [{ reorder: '5000' }, /^--reorder: window: Too big/],
      [{ reorder: 'wide' }, /^--reorder: "wide" is not <window>\[:<probability>\]/],
      [{ reorder: '8:1.5' }, /^--reorder: probability: "1.5" is not a probability between 0 and 1/],
      [{ rstDelay: 'soon' }, /^--rst-delay: "soon" is not a duration/],
      [{ rstDelay: '1.5ms' }, /^--rst-delay: .*whole number of milliseconds/],
      [{ rstDelay: '11min' }, /^--rst-delay: "11min" is not a duration/],
      [{ rstDelay: '700s' }, /^--rst-delay: Too big: expected number to be <=600000$/],
      [{ rstInject: '/video@soon' }, /^--rst-inject: after: "soon" is not a duration/],
      [{ rstInject: '/video@1s:often' }, /^--rst-inject: probability: "often" is not a probability/],
      [{ rstInject: '/(/' }, /^--rst-inject: path: not a valid \/regular expression\/$/],
      [{ rstInject: '' }, /^--rst-inject: "" is not <path>\[@<after>\]\[:<probability>\]/],
    ];
    for (const [args, message] of cases) {
      let error: unknown;
      try {
        faultSettingsFromArgs(args);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(args)).toBeInstanceOf(Error);
      expect((error as Error).name, JSON.stringify(args)).toBe('UsageError');
      expect((error as Error).message, JSON.stringify(args)).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('flags win over the config file; a preset’s link toxics stay beside them', () => {
    const config = { rstDelay: 100, rstInject: { path: '/a', after: 10 } };
    const { toxics } = planFaults(faultSettingsFromArgs({ profile: '4g', rstDelay: '50ms' }, config));
    expect(toxics.map((t) => t.name)).toEqual([
      'bandwidth_downstream', 'latency_downstream', 'bandwidth_upstream', 'latency_upstream',
      'rst_delay_downstream', 'rst_inject_downstream',
    ]);
    expect(frameToxics(toxics).rst_delay_downstream?.attributes).toEqual({ delay: 50 });
    expect(frameToxics(toxics).rst_inject_downstream?.attributes).toMatchObject({ path: '/a', after: 10 });
  });

  it('a raw toxic of the same name replaces the generated one', () => {
    const { toxics } = planFaults({ rstDelay: 50, toxics: [{ name: 'rst_delay_downstream', type: 'rst_delay', stream: 'downstream', toxicity: 1, attributes: { delay: 7 } }] });
    expect(toxics.filter((t) => t.type === 'rst_delay').map((t) => t.attributes)).toEqual([{ delay: 7 }]);
  });

  it('with a profile file, every step carries the flags’ frame faults; a step may set its own', () => {
    const profile = file('steps.yaml', [
      'steps:',
      '  - at: 0s',
      '    preset: cable',
      '  - at: 1s',
      '    faults: { latency: 10ms, rstDelay: 20ms, reorder: "2:0.9" }',
      '',
    ].join('\n'));
    const plan = planFaults(faultSettingsFromArgs({ profile, rstInject: '/video@200ms' }));
    const steps = plan.schedule!.steps.map((s) => frameToxics(s.toxics));
    expect(steps[0]).toEqual({ rst_inject_downstream: { stream: 'downstream', attributes: { path: '/video', after: 200, probability: 1 } } });
    expect(steps[1]).toEqual({
      reorder_downstream: { stream: 'downstream', attributes: { window: 2, probability: 0.9 } },
      rst_delay_downstream: { stream: 'downstream', attributes: { delay: 20 } },
      rst_inject_downstream: { stream: 'downstream', attributes: { path: '/video', after: 200, probability: 1 } },
    });
    expect(plan.toxics).toEqual(plan.schedule!.steps[0]!.toxics);
  });
});

describe('config file', () => {
  it('takes the text form and the object form under the same names', async () => {
    const config = await loadConfigFile(file('faults.yaml', [
      'faults:',
      '  reorder: 8:0.3',
      '  rstDelay: 50ms',
      '  rstInject: /video@300ms:50%',
      '',
    ].join('\n')));
    expect(config.faults).toEqual({ reorder: { window: 8, probability: 0.3 }, rstDelay: 50, rstInject: { path: '/video', after: 300, probability: 0.5 } });

    const objects = await loadConfigFile(file('objects.json', JSON.stringify({
      faults: { reorder: { window: 3 }, rstInject: { path: '/a@b:c', after: '1s', probability: '25%' } },
    })));
    expect(frameToxics(planFaults(objects.faults!).toxics)).toEqual({
      reorder_downstream: { stream: 'downstream', attributes: { window: 3, probability: 0.5 } },
      rst_inject_downstream: { stream: 'downstream', attributes: { path: '/a@b:c', after: 1000, probability: 0.25 } },
    });
  });

  it('a bad value is one line naming the file and the field', async () => {
    const cases: Array<[string, RegExp]> = [
      ['reorder: 0', /faults\.reorder\.window: Too small: expected number to be >=1$/],
      ['reorder: { window: 4, chance: 1 }', /faults\.reorder: Unrecognized key: "chance"$/],
      ['reorder: { window: 2.5 }', /faults\.reorder\.window: .*expected int\b/],
      ['rstDelay: soon', /faults\.rstDelay: "soon" is not a duration/],
      ['rstDelay: 900s', /faults\.rstDelay: Too big: expected number to be <=600000$/],
      ['rstInject: { path: /v, after: later }', /faults\.rstInject\.after: "later" is not a duration/],
      ['rstInject: { path: "/(/" }', /faults\.rstInject\.path: not a valid \/regular expression\/$/],
      ['rstInject: /v@1s:3', /faults\.rstInject\.probability: "3" is not a probability between 0 and 1/],
      ['rstInject: true', /faults\.rstInject: .*expected object/],
    ];
    for (const [line, message] of cases) {
      const path = file('bad.yaml', `faults:\n  ${line}\n`);
      const error = await loadConfigFile(path).then(() => undefined, (err: Error) => err);
      expect(error?.message, line).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: ${message.source}`));
      expect(error?.message).not.toContain('\n');
    }
  });

  it('a profile step’s bad frame fault names the file, the step and the field', () => {
    const profile = file('bad-step.yaml', 'steps:\n  - at: 0s\n    faults: { rstInject: "/v@x" }\n');
    expect(() => planFaults({ profile })).toThrow(/bad-step\.yaml: step 1 \(at 0s\): faults\.rstInject\.after: "x" is not a duration/);
  });
});
