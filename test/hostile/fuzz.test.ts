/**
 * A seeded frame fuzzer: each case is valid client traffic (requests, uploads, window updates,
 * pings, resets, settings) with a few seeded mutations (bit flips, changed lengths, types, flags
 * and stream ids, cut, duplicated, swapped and foreign frames), sent on its own connection. After
 * every case the proxy must still answer a good request byte-exact on a long-lived honest
 * connection; at the end nothing may be left open upstream and every pool buffer is back.
 *
 * H2RACE_FUZZ_SEED and H2RACE_FUZZ_CASES replay or widen a run locally; CI runs the defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameFlag, FrameType, errorCodeName } from '../../h2/frame/constants.js';
import { SeededRandom } from '../../faults/random.js';
import { fuzzCase, type FuzzPaths } from '../helpers/frame-fuzz.js';
import { connectRaw, pingFrame } from '../helpers/raw-h2.js';
import { checkedGet, startRig, type Rig } from './rig.js';

const SEED = Number(process.env.H2RACE_FUZZ_SEED ?? 20_231_010);
const CASES = Number(process.env.H2RACE_FUZZ_CASES ?? 200);
/** The demo origin's paths, behind the proxy. */
const PATHS: FuzzPaths = {
  authority: '127.0.0.1',
  small: (n) => `/small?size=${n}`,
  echo: '/echo',
  download: (n) => `/video?size=${n}`,
};

describe('the HTTP/2 fronts', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ proxy: { h2cListen: '127.0.0.1:0' } });
  });
  afterAll(async () => {
    await rig.close();
    expect(rig.pool.stats().inUse).toBe(0);
  });

  it(`${CASES} fuzzed connections (seed ${SEED}): the proxy answers a good request after each`, async () => {
    const random = new SeededRandom(SEED, 'frame-fuzzer');
    const honest = await rig.client();
    const h2cPort = rig.proxy.h2cAddress!.port;
    const outcomes = new Map<string, number>();
    const started = performance.now();
    for (let n = 0; n < CASES; n++) {
      const caseRandom = random.fork(`case-${n}`);
      const { frames, applied } = fuzzCase(caseRandom, PATHS);
      // A quarter over TLS (the real front), the rest over h2c: the same frame path, cheaper to set up.
      const useTls = n % 4 === 0;
      const c = await connectRaw({ port: useTls ? rig.port : h2cPort, tls: useTls });
      // A PING with the case number at the end: its ACK means the proxy has read everything before it.
      await c.send(Buffer.concat([...frames, pingFrame(0x5a000000 + n)]));
      const acked = () => c.frames.some((f) => f.type === FrameType.PING && f.flags & FrameFlag.ACK && f.payload.readUInt32BE(4) === 0x5a000000 + n);
      // No answer is legitimate too: a longer length field leaves the proxy waiting for the rest of a frame.
      await c.waitFor(() => acked() || c.isClosed, 300);
      const outcome = c.goaway ? `GOAWAY ${errorCodeName(c.goaway.errorCode)}` : c.isClosed ? 'closed' : acked() ? 'served' : 'waiting for more bytes';
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      c.close();
      await expect(checkedGet(honest, 1 + (n % 7) * 3000), `after case ${n} (seed ${SEED}: ${applied.join(', ')})`).resolves.toBe(200);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`frame fuzzer: ${CASES} cases in ${seconds.toFixed(1)} s, outcomes`, Object.fromEntries(outcomes));
    // Every stream the fuzzed connections opened upstream was ended (the honest connection is idle).
    await expect.poll(() => rig.originActive, { timeout: 5000 }).toBe(0);
    await expect.poll(() => rig.connections.size, { timeout: 5000 }).toBe(1);
    // The fuzzer must reach past the frame checks: some cases are served, some fail each way.
    expect(outcomes.get('served') ?? 0).toBeGreaterThan(CASES / 10);
    expect([...outcomes.keys()].filter((o) => o.startsWith('GOAWAY')).length).toBeGreaterThanOrEqual(2);
  });
});
