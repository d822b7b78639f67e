#!/usr/bin/env node
/**
 * `npm run bench [-- --quick]`: measures h2race beside a direct connection, a plain node:http2
 * forward, nghttpx and HAProxy, prints the tables, saves bench/results/latest*.json and the chart.
 * Every process it starts is stopped at the end, also on Ctrl-C, SIGTERM or a crash.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { registerBuiltinToxics } from '../faults/toxics/builtin.js';
import { runBench } from './bench.js';
import { runLinkFidelity } from './link-fidelity.js';
import { ChildProcesses } from './children.js';
import { formatReport } from './report-table.js';
import { saveReport } from './results.js';
import type { Scale } from './workloads.js';

// The bench process is a composition root: its in-process links and proxies read toxics.
registerBuiltinToxics();
const { values } = readArgs();

function readArgs() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        // Smallest counts, for the bench's own test: same code, seconds instead of minutes.
        tiny: { type: 'boolean', default: false },
        out: { type: 'string' },
        // Comma-separated configuration names, e.g. "direct,h2race retain,nghttpx".
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
}

if (values.help) {
  process.stdout.write('usage: npm run bench [-- --quick] [--out DIR] [--only "direct,h2race retain,nghttpx"]\n');
  process.exit(0);
}

const scale: Scale = values.tiny ? 'tiny' : values.quick ? 'quick' : 'full';
// dist/bench/run.js → <project>/bench/results
const outDir = values.out ?? fileURLToPath(new URL('../../bench/results/', import.meta.url));
const started = performance.now();
const children = new ChildProcesses();
const removeHooks = children.installExitHooks((signal) => {
  process.stderr.write(`bench stopped by ${signal}; every process it started is stopped\n`);
  process.exit(130);
});

const report = await runBench({
  scale,
  only: values.only?.split(',').map((name) => name.trim()).filter(Boolean),
  children,
  log: (line) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`),
  linkFidelity: (quick) => runLinkFidelity({ quick }),
}).catch((error: Error) => {
  // runBench has stopped what it started; one line says why the run could not happen.
  process.stderr.write(`bench failed: ${error.message}\n`);
  process.exit(1);
});
removeHooks();
// Saved before printing: a closed stdout (`| head`) must not lose the run.
const files = await saveReport(report, outDir);
process.stdout.on('error', () => undefined);
process.stdout.write(`${formatReport(report)}\n\nsaved ${files.join(', ')}\n`);
if (report.processes.leftRunning.length > 0) {
  process.stderr.write(`processes still running after the bench: ${report.processes.leftRunning.join(', ')}\n`);
  process.exitCode = 1;
}

