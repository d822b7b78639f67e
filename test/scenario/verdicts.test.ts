/**
 * One test per verdict kind, through the CLI in-process (runCli) against real origins: the
 * verdict, its exit code, and the cause or counts in --json.
 *   ERROR (3): an origin that is down, a target whose certificate fails --ca, a path that is not
 *              there, an events path that is not text/event-stream, nothing played.
 *   ORIGIN-ERRORS (4): an origin refusing streams one by one — never collateral.
 *   COLLATERAL (1): corrupted bytes (compare.test.ts and shape.test.ts have the connection kills).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSelfSigned } from '../../origin/cert.js';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { VERDICT_EXIT_CODES_HELP, verdictExitCode } from '../../cli/exit-codes.js';
import { VERDICT_ORDER } from '../../scenario/summary.js';
import type { RunSummary } from '../../scenario/run-summary.js';
import { runCli } from './run-cli.js';
import { corruptVideo, disarmBefore, refuseSome } from './test-origins.js';

interface Out {
  verdict: string;
  error?: string;
  exitCode: number;
  runs: { summary: RunSummary }[];
}

let origin: DemoOrigin;
let dir: string;
beforeAll(async () => {
  origin = await startDemoOrigin({ tls: { host: '127.0.0.1', port: 0 }, h2c: { host: '127.0.0.1', port: 0 } });
  dir = mkdtempSync(join(tmpdir(), 'h2race-verdicts-'));
});
afterAll(async () => {
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
  process.exitCode = undefined;
});

async function json(...argv: string[]): Promise<Out> {
  return JSON.parse(await runCli(...argv, '--json')) as Out;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const short = ['--viewers', '2', '--duration', '1.5'];

describe('ERROR: the run could not test (exit 3)', () => {
  it('an origin that is down: compare says so before any mode runs; scenario names the target', async () => {
    const port = await closedPort();
    const compare = await json('compare', '--origin', `h2c://127.0.0.1:${port}`, '--modes', 'none', 'retain', '--profile', 'lan', ...short);
    expect(compare).toEqual({
      verdict: 'ERROR',
      error: `GET /video, /events, /small: HTTP 502 from h2race (connect-refused): origin 127.0.0.1:${port} refused the connection`,
      exitCode: 3,
      runs: [],
    });
    expect(process.exitCode).toBe(3);

    const scenario = await json('scenario', '--target', `https://127.0.0.1:${port}`, ...short);
    expect(scenario.verdict).toBe('ERROR');
    expect(scenario.error).toMatch(new RegExp(`^target https://127\\.0\\.0\\.1:${port}: ECONNREFUSED`));
    expect(process.exitCode).toBe(3);
  });

  it('TLS refused: a target whose certificate --ca does not sign', async () => {
    const other = join(dir, 'other-ca.pem');
    writeFileSync(other, (await generateSelfSigned('not the origin')).cert);
    const out = await json('scenario', '--target', origin.urls.tls!, '--ca', other, ...short);
    expect(out.verdict).toBe('ERROR');
    expect(out.error).toMatch(new RegExp(`^target ${origin.urls.tls!.replace(/\./g, '\\.')}: [A-Z_]+ \\(.+\\)$`));
    expect(out.exitCode).toBe(3);
  });

  it("a path that is not there: scenario and the README's compare paths on the demo origin", async () => {
    const scenario = await json('scenario', '--target', origin.urls.tls!, '--video-path', '/media/movie.mp4', ...short);
    expect(scenario.error).toBe('GET /media/movie.mp4: HTTP 404: no route /media/movie.mp4');
    expect(scenario.exitCode).toBe(3);

    const text = await runCli('compare', '--modes', 'retain', '--profile', 'lan', ...short,
      '--video-path', '/media/movie.mp4', '--events-path', '/live', '--small-path', '/api/ping', '--html', join(dir, 'unused.html'));
    expect(text).toBe(
      'ERROR: could not test: GET /media/movie.mp4: HTTP 404: no route /media/movie.mp4; GET /live: HTTP 404: no route /live; ' +
        'GET /api/ping: HTTP 404: no route /api/ping\n',
    );
    expect(process.exitCode).toBe(3);
  });

  it('an events path that is not text/event-stream', async () => {
    const out = await json('scenario', '--target', origin.urls.h2c!, '--events-path', '/small', ...short);
    expect(out.error).toBe('GET /small: content-type application/octet-stream, not text/event-stream');
    expect(out.exitCode).toBe(3);
  });

  it('nothing played: the video answers but never sends a byte', async () => {
    // 1 byte/s in 16 KiB pieces: the headers come at once (the preflight passes), no body byte in the run.
    const out = await json('scenario', '--target', origin.urls.h2c!, '--video-path', '/video?rate=1', '--seek-rate', '0', '--viewers', '2', '--duration', '1');
    const summary = out.runs[0]!.summary;
    expect(out.verdict).toBe('ERROR');
    expect(summary.verdict).toBe('ERROR');
    expect(out.error).toMatch(/^nothing played: none of 2 video requests received a byte in 1\.\d s$/);
    expect(summary.collateral + summary.originErrors).toBe(0);
    expect(out.exitCode).toBe(3);
    expect(process.exitCode).toBe(3);
  });
});

describe('ORIGIN-ERRORS: streams the origin refused one by one (exit 4)', () => {
  it('RST_STREAM(REFUSED_STREAM) and 503s are origin errors, counted exactly, none collateral', async () => {
    const bad = await refuseSome();
    try {
      const durationMs = 2500;
      const guard = disarmBefore(bad, durationMs, 400);
      // No seeks: a seek could cancel a video stream while its refusal is on the wire. The
      // preflight's video is the first, the five viewers' the next five: the third and sixth are refused.
      const out = await json('scenario', '--target', bad.origin.urls.tls!, '--viewers', '5', '--duration', String(durationMs / 1000),
        '--seek-rate', '0', '--small-rate', '4', '--video-path', '/video?rate=1000000');
      clearTimeout(guard);
      const s = out.runs[0]!.summary;
      const why = `origin refused ${bad.refused} videos and answered 503 ${bad.unavailable} times; ${JSON.stringify(s)}`;
      expect(bad.refused, why).toBe(2);
      expect(bad.unavailable, why).toBeGreaterThan(2);
      expect(s.verdict, why).toBe('ORIGIN-ERRORS');
      expect(s.collateral, why).toBe(0);
      expect(s.originErrorCodes, why).toEqual({ 'RST_STREAM REFUSED_STREAM from server': bad.refused, 'HTTP 503': bad.unavailable });
      expect(out.exitCode).toBe(4);
      expect(process.exitCode).toBe(4);
    } finally {
      await bad.origin.close();
    }
  });

  it("through h2race: the origin's 503s stay origin errors; compare's exit code is 4", async () => {
    const bad = await refuseSome();
    try {
      const out = await json('compare', '--origin', bad.origin.urls.h2c!, '--modes', 'retain', '--profile', 'lan', ...short, '--small-rate', '6', '--verify', 'demo');
      const s = out.runs[0]!.summary;
      const why = JSON.stringify(s);
      expect(s.verdict, why).toBe('ORIGIN-ERRORS');
      expect(s.collateral, why).toBe(0);
      expect(s.originErrorCodes['HTTP 503'], why).toBeGreaterThan(0);
      // h2race retries a REFUSED_STREAM once; a second refusal is its 502.
      expect(Object.keys(s.originErrorCodes).filter((k) => k !== 'HTTP 503' && k !== 'HTTP 502 from h2race (stream-reset)'), why).toEqual([]);
      expect(out.verdict).toBe('ORIGIN-ERRORS');
      expect(out.exitCode).toBe(4);
    } finally {
      await bad.origin.close();
    }
  });
});

describe('the exit codes in --help', () => {
  it('name each verdict with the code it exits with', () => {
    for (const verdict of VERDICT_ORDER) expect(VERDICT_EXIT_CODES_HELP).toContain(`${verdictExitCode(verdict)} ${verdict}`);
  });
});

describe('COLLATERAL (exit 1)', () => {
  it('corrupted bytes in a safe mode', async () => {
    const bad = await corruptVideo([100, 5000]);
    try {
      const text = await runCli('compare', '--origin', bad.origin.urls.h2c!, '--modes', 'retain', '--profile', 'lan', ...short,
        '--seek-rate', '0', '--verify', 'demo', '--html', join(dir, 'corrupt.html'));
      expect(text).toMatch(/^retain\s+lan\s+COLLATERAL/m);
      expect(text).toContain('safe modes with collateral damage: retain (lan)\n');
      expect(process.exitCode).toBe(1);
    } finally {
      await bad.origin.close();
    }
  });
});
