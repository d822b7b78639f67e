#!/usr/bin/env node
/**
 * `npm run bench [-- --quick]`: measures h2race beside a direct connection, a plain node:http2
 * forward, nghttpx and HAProxy, prints the tables, saves bench/results/latest*.json and the chart.
 * Every process it starts is stopped at the end, also on Ctrl-C, SIGTERM or a crash.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { runLinkFidelity } from './link-fidelity.js';
import { ChildProcesses } from './children.js';
import { formatReport } from './report-table.js';
import { saveReport } from './results.js';
import type { Scale } from './workloads.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    // Smallest counts, for the bench's own test: same code, seconds instead of minutes.
    tiny: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  process.stdout.write('usage: npm run bench [-- --quick] [-- --out DIR]\n');
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
  children,
  log: (line) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}\n`),
  linkFidelity: (quick) => runLinkFidelity({ quick }),
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

