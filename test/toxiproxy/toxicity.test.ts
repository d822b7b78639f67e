/**
 * Toxicity as Toxiproxy rolls it (toxics/toxic.go ToxicStub.Run, link.go): once per connection and
 * direction when the link starts, and again for a toxic whose stub restarts — when it is updated,
 * even to the same values, and when the toxic right after it is added or removed; a toxic further
 * away keeps its roll. Seeded: the same seed and the same edits give the same decisions.
 *
 * Driven through toxiproxy-node-client; each connection's roll of a 0.5-toxicity 1 s latency is
 * read from a real echo round trip (a delayed one cannot come back in under half the latency).
 */
import { connect, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { Proxy, Toxic } from 'toxiproxy-node-client';
import { portOf, Servers, startTestApi, type TestApi } from './harness.js';

const LATENCY_MS = 1000;
const CONNECTIONS = 8;
const SEED = 7;

const servers = new Servers();
const apis: TestApi[] = [];
const sockets: Socket[] = [];

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const api of apis) await api.close();
  await servers.closeAll();
});

function openClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    sockets.push(socket);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One echo round trip: true when the latency toxic acted on this connection's downstream link. */
function delayed(socket: Socket): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const timer = setTimeout(() => reject(new Error('no echo within 5 s')), 5000);
    socket.once('data', () => {
      clearTimeout(timer);
      resolve(performance.now() - start >= LATENCY_MS / 2);
    });
    socket.write('x');
  });
}

/** Which connections the latency toxic acts on now ('1') or not ('0'). */
async function pattern(clients: Socket[]): Promise<string> {
  const rolls = await Promise.all(clients.map(delayed));
  return rolls.map((d) => (d ? '1' : '0')).join('');
}

const noop = (proxy: Proxy, name: string): Promise<Toxic<unknown>> =>
  proxy.addToxic({ name, type: 'noop' as 'latency', stream: 'downstream', toxicity: 1, attributes: {} as never });
const sameAgain = (toxic: Toxic<unknown>) => toxic.update({ ...toxic.toJson() });

/** A fresh API with `seed`, CONNECTIONS open connections, and the patterns after each edit. */
async function runEdits(seed: number): Promise<Record<string, string>> {
  const t = await startTestApi({ seed });
  apis.push(t);
  const proxy = await t.client.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await servers.echo()}` });
  const a = await proxy.addToxic({ name: 'a', type: 'latency', stream: 'downstream', toxicity: 0.5, attributes: { latency: LATENCY_MS, jitter: 0 } });
  // One after the other, so connection ids (and so their random streams) follow accept order.
  const clients: Socket[] = [];
  for (let i = 0; i < CONNECTIONS; i++) clients.push(await openClient(portOf(proxy.listen)));
  const seen: Record<string, string> = { opened: await pattern(clients) };
  const b = await noop(proxy, 'b');
  seen['added b after a'] = await pattern(clients);
  await sameAgain(b);
  seen['updated b'] = await pattern(clients);
  await sameAgain(a);
  seen['updated a (same values)'] = await pattern(clients);
  const c = await noop(proxy, 'c');
  seen['added c after b'] = await pattern(clients);
  await c.remove();
  seen['removed c'] = await pattern(clients);
  await b.remove();
  seen['removed b'] = await pattern(clients);
  return seen;
}

describe('toxicity rolls on live connections', () => {
  it('re-rolls exactly where Toxiproxy restarts a stub, and replays with the same seed', async () => {
    const [run, replay] = await Promise.all([runEdits(SEED), runEdits(SEED)]);
    expect(replay).toEqual(run);
    // Rolled per connection: a 0.5 toxic acts on some connections and not on others.
    expect(run['opened']).toMatch(/0/);
    expect(run['opened']).toMatch(/1/);
    // a's stub restarts: its output is rewired to the new b, or it was updated, or b left.
    expect(run['added b after a']).not.toBe(run['opened']);
    expect(run['updated a (same values)']).not.toBe(run['updated b']);
    expect(run['removed b']).not.toBe(run['removed c']);
    // a's stub runs on: only b (updated; c added or removed after it) restarts.
    expect(run['updated b']).toBe(run['added b after a']);
    expect(run['added c after b']).toBe(run['updated a (same values)']);
    expect(run['removed c']).toBe(run['added c after b']);
  });

  it('removing a timeout toxic closes connections where its roll failed too (Toxiproxy calls Cleanup on the toxic)', async () => {
    const t = await startTestApi({ seed: SEED });
    apis.push(t);
    const proxy = await t.client.createProxy({ name: 'q', listen: '127.0.0.1:0', upstream: `127.0.0.1:${await servers.echo()}` });
    const never = await proxy.addToxic({ name: 'never', type: 'timeout', stream: 'upstream', toxicity: 0, attributes: { timeout: 0 } });
    const client = await openClient(portOf(proxy.listen));
    expect(await delayed(client)).toBe(false);
    const closed = new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('still open after 3 s'), 3000);
      client.once('end', () => resolve('end'));
      client.once('error', (err) => resolve(err.message));
      client.once('close', () => clearTimeout(timer));
    });
    await never.remove();
    expect(await closed).toBe('end');
  });
});
