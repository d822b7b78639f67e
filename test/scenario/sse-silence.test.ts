/**
 * SSE silence counts from the stream's request: the wait for the first event is silence too, and
 * a stream that never delivered one is counted as such (issue 20: a run that received no event in
 * 20 s reported a longest silence of 0 ms).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoOrigin, type DemoOrigin } from '../../origin/demo-origin.js';
import { createDemoHandler } from '../../origin/handler.js';
import type { DemoHandler } from '../../origin/types.js';
import { runScenario } from '../../scenario/run.js';
import { summarize } from '../../scenario/summary.js';

const FIRST_EVENT_DELAY_MS = 800;
const demo = createDemoHandler();
/** /events answers only FIRST_EVENT_DELAY_MS after the request, then ticks every 100 ms. */
const lateFirstEvent: DemoHandler = (req, res) => {
  if (new URL(req.url ?? '/', 'http://x').pathname !== '/events') return demo(req, res);
  const timer = setTimeout(() => demo(req, res), FIRST_EVENT_DELAY_MS);
  res.once('close', () => clearTimeout(timer));
};

let origin: DemoOrigin;
afterAll(async () => {
  await origin?.close();
});

describe('SSE silence', () => {
  it('counts from the request: a stream that never delivers is reported as such, and the wait for a first event is silence', async () => {
    origin = await startDemoOrigin({ h2c: { host: '127.0.0.1', port: 0 }, handler: lateFirstEvent });
    const durationMs = 1500;
    const common = { viewers: 1, durationMs, seed: 1, seeksPerSecond: 0, smallPerSecond: 0 };
    // The first event would come a minute after the request.
    const never = await runScenario({ ...common, target: origin.urls.h2c!, paths: { video: '/small?size=1000', events: '/events?interval=60000', small: '/small' } });
    const s = summarize(never);
    const why = JSON.stringify(s);
    const events = never.streams.find((x) => x.kind === 'events')!;
    expect(s.sseEvents, why).toBe(0);
    expect(s.sseSilentStreams, why).toBe(1);
    // From its request to the end of the run's activity at least.
    expect(s.sseMaxSilenceMs, why).toBeGreaterThanOrEqual(Math.floor(durationMs - events.startMs));

    const late = await runScenario({ ...common, target: origin.urls.h2c!, paths: { video: '/small?size=1000', events: '/events?interval=100', small: '/small' } });
    const l = summarize(late);
    const whyLate = JSON.stringify(l);
    expect(l.sseEvents, whyLate).toBeGreaterThan(0);
    expect(l.sseSilentStreams, whyLate).toBe(0);
    // Between events it is ~100 ms; the longest silence is the wait for the first one.
    expect(l.sseMaxSilenceMs, whyLate).toBeGreaterThanOrEqual(FIRST_EVENT_DELAY_MS);
  });
});
