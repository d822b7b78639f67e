/**
 * The seeded frame fuzzer (test/helpers/frame-fuzz.ts) against the engine: valid client traffic
 * with a few seeded mutations, one connection per case. The engine must answer every case as a
 * protocol matter — served, a GOAWAY or RST_STREAM with a code — never with an exception of its
 * own (INTERNAL_ERROR from a bug); an honest connection is served byte-exact after each case; at
 * the end every lease the engine took from the pool has ended.
 *
 * H2RACE_FUZZ_SEED and H2RACE_FUZZ_CASES replay or widen a run locally.
 */
import type * as http2 from 'node:http2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBufferPool } from '../../faults/pool/create-pool.js';
import { SeededRandom } from '../../faults/random.js';
import { FrameError } from '../../h2/frame/codec.js';
import { FrameFlag, FrameType, errorCodeName } from '../../h2/frame/constants.js';
import { fuzzCase, type FuzzPaths } from '../helpers/frame-fuzz.js';
import { connectH2, get } from '../helpers/h2-client.js';
import { connectRaw, pingFrame } from '../helpers/raw-h2.js';
import { waitFor } from '../helpers/wait.js';
import { startEngineServer, type EngineServer } from './engine-server.js';
import { createTestApp, patternBytes } from './test-app.js';

const SEED = Number(process.env.H2RACE_FUZZ_SEED ?? 20_261_207);
const CASES = Number(process.env.H2RACE_FUZZ_CASES ?? 150);
const PATHS: FuzzPaths = {
  authority: '127.0.0.1',
  small: (n) => `/bytes/${n}`,
  echo: '/echo',
  download: (n) => `/bytes/${n}`,
};

const pool = createBufferPool('retain');
/** Errors the engine failed a connection for that are not protocol errors: bugs. */
const engineErrors: Error[] = [];
let tls: EngineServer;
let h2c: EngineServer;
let honest: http2.ClientHttp2Session;

beforeAll(async () => {
  const options = { pool, observer: { onError: (err: Error) => void (err instanceof FrameError || engineErrors.push(err)) } };
  tls = await startEngineServer(createTestApp(), { tls: true, options });
  h2c = await startEngineServer(createTestApp(), { tls: false, options });
  honest = await connectH2(h2c.url);
});
afterAll(async () => {
  honest.destroy();
  await tls.close();
  await h2c.close();
});

it(`${CASES} fuzzed connections (seed ${SEED}): protocol answers only, an honest connection served after each`, async () => {
  const random = new SeededRandom(SEED, 'engine-frame-fuzzer');
  const outcomes = new Map<string, number>();
  for (let n = 0; n < CASES; n++) {
    const caseRandom = random.fork(`case-${n}`);
    const { frames, applied } = fuzzCase(caseRandom, PATHS);
    const server = n % 4 === 0 ? tls : h2c;
    const c = await connectRaw({ port: server.port, tls: server === tls });
    // A PING with the case number last: its ACK means the engine has read everything before it.
    const marker = 0x5a000000 + n;
    await c.send(Buffer.concat([...frames, pingFrame(marker)]));
    const acked = (): boolean => c.frames.some((f) => f.type === FrameType.PING && f.flags & FrameFlag.ACK && f.payload.readUInt32BE(4) === marker);
    // No answer is legitimate too: a longer length field leaves the engine waiting for the rest of a frame.
    await c.waitFor(() => acked() || c.isClosed, 300);
    const outcome = c.goaway ? `GOAWAY ${errorCodeName(c.goaway.errorCode)}` : c.isClosed ? 'closed' : acked() ? 'served' : 'waiting for more bytes';
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    c.close();
    expect(engineErrors, `case ${n} (seed ${SEED}: ${applied.join(', ')})`).toEqual([]);
    const size = 1 + (n % 7) * 3000;
    const response = await get(honest, `/bytes/${size}`);
    expect(response.body.equals(patternBytes(size)), `after case ${n} (seed ${SEED}: ${applied.join(', ')})`).toBe(true);
  }
  console.log(`engine frame fuzzer: ${CASES} cases, outcomes`, Object.fromEntries(outcomes));
  // The fuzzer reaches past the frame checks: some cases are served, some fail each way.
  expect(outcomes.get('served') ?? 0).toBeGreaterThan(CASES / 10);
  expect([...outcomes.keys()].filter((o) => o.startsWith('GOAWAY')).length).toBeGreaterThanOrEqual(2);
  // Every fuzzed connection is gone; the honest one is idle: every lease has ended.
  await waitFor('the fuzzed connections to close', () => tls.connections.concat(h2c.connections).filter((c) => c.phase !== 4).length === 1);
  await waitFor('every lease to end', () => pool.stats().inUse === 0);
});
