/**
 * The hpack-drop-refused bug model and its twin, in the engine's server role (a proxy's front).
 * The engine's client role bursts three requests before the server's SETTINGS can arrive, each
 * with a new `x-request-id` its encoder inserts into the dynamic table; the server allows one
 * stream at a time, so the second and third are refused. A bystander request then repeats the
 * last id and the first request's :authority, which the client's encoder now sends as dynamic-table
 * indices. Dropped undecoded, the refused blocks are missing from the server's table, which is two
 * entries short: the :authority index lies past its end (RFC 7541 §2.3.3), the server fails the
 * connection with GOAWAY(COMPRESSION_ERROR) and the bystander dies unprocessed. Decoded, the
 * bystander arrives as sent.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../h2/frame/constants.js';
import { DECODE_REFUSED, DROP_REFUSED, type RefusedHeaderBlock } from '../../../h2/proto/bug-models/refused-header-block.js';
import type { ServerStream } from '../../../h2/proto/stream.js';
import { cleanupsAfterEach } from '../../helpers/cleanups.js';
import { waitFor } from '../../helpers/wait.js';
import { startEngineServer } from '../engine-server.js';
import { connectClient, exchange } from '../client/engine-client.js';

const cleanups = cleanupsAfterEach();

describe.each([
  { block: DROP_REFUSED, desyncs: true },
  { block: DECODE_REFUSED, desyncs: false },
])('$block.name', ({ block, desyncs }: { block: RefusedHeaderBlock; desyncs: boolean }) => {
  it(`a request after a refused burst ${desyncs ? 'fails with COMPRESSION_ERROR' : 'reaches the server as sent'}`, async () => {
    const seen: string[] = [];
    const goaways: number[] = [];
    const held: ServerStream[] = [];
    const server = await startEngineServer(
      {
        onStream(stream, head) {
          const id = head.fields[head.fields.indexOf('x-request-id') + 1]!;
          seen.push(id);
          if (head.path === '/hold') {
            held.push(stream);
            return {};
          }
          stream.respond(200, ['x-seen-request-id', id], true);
          return {};
        },
      },
      { tls: false, options: { settings: { maxConcurrentStreams: 1 }, refusedHeaderBlock: block, observer: { onGoawaySent: (g) => goaways.push(g.errorCode) } } },
    );
    cleanups.push(() => server.close());
    const client = connectClient(server.port, false);
    cleanups.push(() => client.socket.destroy());
    // Sent with the preface, before the server's SETTINGS can be read: the client knows no limit yet.
    const burst = ['burst-1', 'burst-2', 'burst-3'].map((id, i) => exchange(client.connection, i === 0 ? '/hold' : '/burst', { fields: ['x-request-id', id] }));
    const refused = await Promise.all(burst.slice(1).map((e) => e.done));
    expect(refused).toEqual([
      { kind: 'reset', code: ErrorCode.REFUSED_STREAM, cause: 'unprocessed' },
      { kind: 'reset', code: ErrorCode.REFUSED_STREAM, cause: 'unprocessed' },
    ]);
    await waitFor('the held stream', () => held.length === 1);
    held[0]!.respond(200, [], true);
    await burst[0]!.done;

    const bystander = exchange(client.connection, '/bystander', { fields: ['x-request-id', 'burst-3'] });
    const outcome = await bystander.done;
    expect(seen[0]).toBe('burst-1');
    if (desyncs) {
      expect(outcome).toEqual({ kind: 'reset', code: ErrorCode.COMPRESSION_ERROR, cause: 'unprocessed' });
      expect(goaways).toEqual([ErrorCode.COMPRESSION_ERROR]);
      expect(seen).toEqual(['burst-1']);
    } else {
      expect(outcome).toEqual({ kind: 'end' });
      expect(goaways).toEqual([]);
      expect(bystander.field('x-seen-request-id')).toBe('burst-3');
    }
  });
});
