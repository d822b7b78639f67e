/**
 * The link between a client connection's engine (EnginePath) and its socket: the
 * downstream toxics shape what reaches the socket; the link's end ends the socket with a lingering
 * close (so the last frame, a GOAWAY, is not lost to a reset), reset_peer resets it. Owned by the
 * path that made it, which ends it with the connection.
 */
import type * as net from 'node:net';
import type { LingeringClose } from '../../h2/proto/lingering-close.js';
import type { SeededRandom } from '../random.js';
import { createLink } from './link.js';
import { resetSocket } from './reset-socket.js';
import type { ToxicSet } from './toxic-set.js';
import type { Link, ToxicSpec } from './types.js';

export function createDownstreamLink(socket: net.Socket, closer: LingeringClose, rng: SeededRandom, toxics: ToxicSet | readonly ToxicSpec[] | undefined): Link {
  return createLink({
    direction: 'downstream',
    sink: (data, cb) => socket.write(data, cb),
    control: { end: () => closer.begin(), reset: () => resetSocket(socket) },
    random: rng.fork('link'),
    toxics,
  });
}
