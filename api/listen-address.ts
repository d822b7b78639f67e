/**
 * Listen addresses as Toxiproxy's Go server reads and reports them: `host:port` split like
 * net.SplitHostPort, the bound address written back resolved (`127.0.0.1:40123`, `[::1]:8474`),
 * and bind failures worded like Go (`listen tcp 127.0.0.1:3310: bind: address already in use`).
 */
import type { AddressInfo, Server } from 'node:net';

export interface HostPort {
  /** '' means every interface, as in Go. */
  host: string;
  port: number;
}

/** Split `host:port` like Go's net.SplitHostPort; throws with Go's wording. */
export function parseHostPort(addr: string): HostPort {
  const fail = (why: string): never => {
    throw new Error(`listen tcp: address ${addr}: ${why}`);
  };
  let host: string;
  let portText: string;
  if (addr.startsWith('[')) {
    const end = addr.indexOf(']');
    if (end < 0) fail("missing ']' in address");
    host = addr.slice(1, end);
    if (addr[end + 1] !== ':') fail('missing port in address');
    portText = addr.slice(end + 2);
  } else {
    const colon = addr.lastIndexOf(':');
    if (colon < 0) fail('missing port in address');
    host = addr.slice(0, colon);
    if (host.includes(':')) fail('too many colons in address');
    portText = addr.slice(colon + 1);
  }
  const port = portText === '' ? 0 : Number(portText);
  if (!/^\d*$/.test(portText)) throw new Error(`listen tcp: lookup tcp/${portText}: unknown port`);
  if (port > 65535) fail('invalid port');
  return { host, port };
}

/** `127.0.0.1:8474` or `[::1]:8474`, as Go's Addr().String() writes it. */
export function formatAddress(info: AddressInfo): string {
  return info.family === 'IPv6' ? `[${info.address}]:${info.port}` : `${info.address}:${info.port}`;
}

/** Go resolves `localhost` to IPv4 first; Node would take whatever the resolver lists first. */
function bindHost(host: string): string | undefined {
  if (host === '') return undefined;
  return host === 'localhost' ? '127.0.0.1' : host;
}

const bindErrors: Record<string, string> = {
  EADDRINUSE: 'bind: address already in use',
  EACCES: 'bind: permission denied',
  EADDRNOTAVAIL: 'bind: cannot assign requested address',
};

/** A failed listen on `addr` worded like Go's net.Listen error. */
export function goListenError(err: NodeJS.ErrnoException, addr: string): Error {
  const { host, port } = parseHostPort(addr);
  const h = bindHost(host) ?? '';
  const where = h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
  const why = bindErrors[err.code ?? ''];
  if (why) return new Error(`listen tcp ${where}: ${why}`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new Error(`listen tcp: lookup ${host}: no such host`);
  return new Error(`listen tcp ${where}: ${err.message}`);
}

/** Start `server` on `addr`; resolves with the bound address, rejects with Go's error text. */
export function listenOn(server: Server, addr: string): Promise<string> {
  const { host, port } = parseHostPort(addr);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(goListenError(err, addr));
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(formatAddress(server.address() as AddressInfo));
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: bindHost(host), exclusive: true });
  });
}

/** A listen address as Go's ResolveTCPAddr writes it, to compare a requested address with a bound one. */
export function resolveListen(addr: string): string {
  const { host, port } = parseHostPort(addr);
  const h = bindHost(host) ?? '';
  return h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}
