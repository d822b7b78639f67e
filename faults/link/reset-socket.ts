/**
 * Aborts with a TCP RST. A TLSSocket's handle is not a TCP handle (resetAndDestroy throws
 * ERR_INVALID_HANDLE_TYPE), so the reset goes to the TCP socket under it.
 */
import type * as net from 'node:net';

export function resetSocket(socket: net.Socket): void {
  const tcp = (socket as net.Socket & { _parent?: net.Socket })._parent ?? socket;
  try {
    tcp.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
