/**
 * The Jetty race as a gRPC user meets it: on one connection over a slow link, a server-streaming
 * call (12 000-byte messages) runs while the client makes a unary call with a 512 KiB answer and
 * cancels it once the frame path holds its frames. In `release-on-reset` the cancelled call's
 * pending buffers go back to the pool under their writes, the streaming call's frames reuse them,
 * and the client reads corrupt frames: the streaming call dies although nobody cancelled it. In
 * `retain` the same cancel, with the same frames pending, leaves it whole.
 *
 * Deterministic as test/frames/through-proxy.test.ts is: in `release-on-reset` the link stalls as
 * the unary call is made and resumes only once the pool counted a buffer reused under a pending
 * write (stallUntilRace), so the race does not depend on the machine's speed.
 *
 * What the gRPC user sees of it: the client's HTTP/2 layer (node:http2 under grpc-js) answers the
 * corrupt frame with GOAWAY(FRAME_SIZE_ERROR) and then never closes its session, not even once
 * h2race has closed the connection: the streaming call gets no status at all, and ends only at its
 * deadline (8 s here; `retain` needs about 2 s for the whole exchange on this link).
 */
import * as grpc from '@grpc/grpc-js';
import { expect, test } from 'vitest';
import { ErrorCode } from '../../h2/frame/constants.js';
import type { EnginePath } from '../../proxy/frame-path/engine-path.js';
import { describeRace } from '../../faults/pool/evidence.js';
import type { PoolMode } from '../../faults/pool/types.js';
import type { RunningH2race } from '../../proxy/h2race.js';
import { createProxyEvents } from '../../proxy/events.js';
import { testCert } from '../helpers/tls-cert.js';
import { waitFor } from '../helpers/wait.js';
import { cleanupsAfterEach } from '../helpers/cleanups.js';
import { stallUntilRace, startSlowLinkH2race } from '../frames/seek-scenario.js';
import { FILL, MESSAGE_LIMITS, serverStream, startGrpcOrigin, TestClient, type TestClientApi } from './grpc-service.js';

const cleanups = cleanupsAfterEach();

const STREAMED = { messages: 100, size: 12_000 };
const CANCELLED_BYTES = 512 * 1024;

const DEADLINE_MS = 8000;

interface RaceOutcome {
  cancelled: grpc.status;
  streamed: { code: grpc.status; details: string; messages: number; intact: boolean };
  /** How h2race saw the streaming call end, and the GOAWAY codes the client sent. */
  streamedAtProxy?: { outcome: string; rstCode?: number };
  clientGoaways: number[];
  /** Frames of the cancelled call the engine path held when the client cancelled it. */
  pendingAtCancel: number;
  races: number;
}

async function cancelBesideStream(mode: PoolMode): Promise<{ outcome: RaceOutcome; h2race: RunningH2race }> {
  const origin = await startGrpcOrigin();
  cleanups.push(() => origin.close());
  const events = createProxyEvents();
  const h2race = await startSlowLinkH2race(origin.url, mode, events);
  cleanups.push(async () => {
    await h2race.close();
    expect(h2race.pool.stats().inUse).toBe(0);
  });
  const unaryStreamIds: number[] = [];
  events.on('stream-start', (r) => {
    if (r.path === '/h2race.Test/Unary') unaryStreamIds.push(r.streamId);
  });
  let streamedAtProxy: RaceOutcome['streamedAtProxy'];
  events.on('stream-end', (r) => {
    if (r.path === '/h2race.Test/ServerStream') streamedAtProxy = { outcome: r.outcome, rstCode: r.rstCode };
  });
  const clientGoaways: number[] = [];
  events.on('goaway', (g) => {
    if (g.side === 'downstream' && g.received) clientGoaways.push(g.code);
  });
  // Browser-like windows: the origin runs ahead of the slow link, as it does for a video player.
  const client: TestClientApi = new TestClient(`127.0.0.1:${h2race.proxy.address.port}`, grpc.credentials.createSsl(Buffer.from((await testCert()).cert)), {
    ...MESSAGE_LIMITS,
    'grpc-node.flow_control_window': 8 * 1024 * 1024,
  });
  cleanups.push(() => client.close());

  const streamed = serverStream(
    client,
    { 'x-count': String(STREAMED.messages), 'x-size': String(STREAMED.size), 'x-interval-ms': '5' },
    { deadline: Date.now() + DEADLINE_MS },
  );
  await waitFor('the streaming call\'s first message', () => streamed.messages.length > 0);
  const path: EnginePath = [...h2race.connections.values()].at(-1)!;

  let response: unknown;
  const doomed = client.unary(Buffer.alloc(CANCELLED_BYTES, 0x78), new grpc.Metadata(), {}, (_err, value) => (response = value));
  doomed.on('error', () => {});
  const cancelled = new Promise<grpc.status>((resolve) => doomed.once('status', (s: grpc.StatusObject) => resolve(s.code)));
  if (mode === 'release-on-reset') stallUntilRace(h2race.toxics, h2race.pool);
  await waitFor('the cancelled call\'s frames pending in the engine path', () => unaryStreamIds.length === 1 && path.pendingFrames(unaryStreamIds[0]!) >= 4);
  const pendingAtCancel = path.pendingFrames(unaryStreamIds[0]!);
  doomed.cancel();

  const r = await streamed.result;
  const outcome: RaceOutcome = {
    cancelled: await cancelled,
    streamed: {
      code: r.status.code,
      details: r.status.details,
      messages: streamed.messages.length,
      intact: streamed.messages.every((m) => m.length === STREAMED.size && [...m].every((c) => c === String.fromCharCode(FILL))),
    },
    streamedAtProxy,
    clientGoaways,
    pendingAtCancel,
    races: h2race.pool.stats().racesReusedWhilePending,
  };
  expect(response).toBeUndefined();
  return { outcome, h2race };
}

function evidence(outcome: RaceOutcome, h2race: RunningH2race): string {
  return [JSON.stringify(outcome), JSON.stringify(h2race.pool.stats()), ...h2race.pool.races.slice(0, 3).map(describeRace)].join('\n');
}

test('release-on-reset: a gRPC client\'s cancel kills the streaming call beside it', async () => {
  const { outcome, h2race } = await cancelBesideStream('release-on-reset');
  const why = evidence(outcome, h2race);
  expect(outcome.cancelled, why).toBe(grpc.status.CANCELLED);
  expect(outcome.races, why).toBeGreaterThan(0);
  // The client read a corrupt frame: GOAWAY(FRAME_SIZE_ERROR), or PROTOCOL_ERROR for other bytes.
  expect([ErrorCode.FRAME_SIZE_ERROR, ErrorCode.PROTOCOL_ERROR], why).toContain(outcome.clientGoaways[0]);
  expect(outcome.streamedAtProxy?.outcome, why).not.toBe('completed');
  expect(outcome.streamed.code, why).not.toBe(grpc.status.OK);
  expect(outcome.streamed.messages, why).toBeLessThan(STREAMED.messages);
  console.info(`release-on-reset: the streaming call ended ${grpc.status[outcome.streamed.code]} "${outcome.streamed.details}" after ${outcome.streamed.messages} of ${STREAMED.messages} messages; client GOAWAY ${outcome.clientGoaways.join(', ')}; ${outcome.races} race(s) counted`);
});

test('retain: the same cancel, with the same frames pending, leaves the streaming call whole', async () => {
  const { outcome, h2race } = await cancelBesideStream('retain');
  const why = evidence(outcome, h2race);
  expect(outcome.cancelled, why).toBe(grpc.status.CANCELLED);
  expect(outcome.pendingAtCancel, why).toBeGreaterThanOrEqual(4);
  expect(outcome.races, why).toBe(0);
  expect(outcome.clientGoaways, why).toEqual([]);
  expect(outcome.streamedAtProxy, why).toEqual({ outcome: 'completed', rstCode: undefined });
  expect(outcome.streamed, why).toEqual({ code: grpc.status.OK, details: 'OK', messages: STREAMED.messages, intact: true });
});
