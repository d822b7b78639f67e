/**
 * Header rules of the proxy, both directions, in one place: which headers are hop-by-hop (never
 * forwarded), how the target authority is set, and what the proxy adds (forwarded, x-forwarded-*,
 * via). Works on Node's parsed header objects of either protocol (HTTP/2 pseudo-headers are
 * dropped here; the HTTP/2 client adds its own).
 */
import { isIPv6 } from 'node:net';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 plus the legacy and HTTP/2-upgrade ones (RFC 9113 §8.2.2). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

const PROXY_NAME = 'h2race';
/** What this hop adds to `via` after an HTTP/2 hop. */
const VIA_H2 = `2 ${PROXY_NAME}`;
/** What this hop adds to `via` after an HTTP/1.1 hop. */
const VIA_H1 = `1.1 ${PROXY_NAME}`;
/** A constant, not a string made per request: with no `via` from the peer, nothing is allocated. */
const viaAfter = (version: '2' | '1.1'): string => (version === '2' ? VIA_H2 : VIA_H1);
/** A `te` that asks for trailers: the one `te` forwarded (gRPC needs it, HTTP/2 allows it). */
const TE_TRAILERS = /(^|,)\s*trailers\s*(;|,|$)/i;

type HeaderValue = string | string[] | number | undefined;

/**
 * The end-to-end headers of `incoming`: no pseudo-headers, no hop-by-hop headers, none named by
 * `connection`, nor `skip`. `te: trailers` survives (gRPC needs it, HTTP/2 allows it) unless `skip`
 * is 'te'. Skipping here rather than deleting after: a `delete` turns the object into a slow
 * dictionary that every later step (adding fields, flattening for the engine) pays for.
 */
function endToEndHeaders(incoming: IncomingHttpHeaders | OutgoingHttpHeaders, skip: 'host' | 'te', out: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  const connection = incoming.connection;
  const named = typeof connection === 'string' && connection !== 'keep-alive' && connection !== 'close'
    ? new Set(connection.toLowerCase().split(',').map((t) => t.trim()))
    : undefined;
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */ || name === skip) continue;
    if (HOP_BY_HOP.has(name) || named?.has(name)) {
      if (name === 'te' && typeof value === 'string' && TE_TRAILERS.test(value)) out.te = 'trailers';
      continue;
    }
    out[name] = value;
  }
  return out;
}

/** Facts about the downstream side of a request that the forwarded headers report. */
export interface ClientFacts {
  remoteAddress?: string;
  tls: boolean;
  /** Version token of the downstream protocol for `via`: '2' or '1.1'. */
  httpVersion: '2' | '1.1';
}

/** The authority the client asked for: `:authority` on HTTP/2, `host` on HTTP/1.1. */
export function requestAuthority(incoming: IncomingHttpHeaders): string | undefined {
  const authority = incoming[':authority'] ?? incoming.host;
  return typeof authority === 'string' ? authority : undefined;
}

/**
 * Headers for the upstream request, added to `out` (an HTTP/2 request passes its pseudo-headers
 * there). `authority` is what the origin sees as host (the client's by default): it goes into
 * `host` for HTTP/1.1, into `:authority` (set by the caller) for HTTP/2.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, client: ClientFacts, authority: string | undefined, out: OutgoingHttpHeaders = {}): OutgoingHttpHeaders {
  const h2 = out[':authority'] !== undefined;
  endToEndHeaders(incoming, 'host', out);
  const proto = client.tls ? 'https' : 'http';
  const clientAuthority = requestAuthority(incoming);
  out.forwarded = appendList(out.forwarded, forwardedElement(client.remoteAddress, clientAuthority, proto));
  if (client.remoteAddress) out['x-forwarded-for'] = appendList(out['x-forwarded-for'], client.remoteAddress);
  out['x-forwarded-proto'] = proto;
  if (clientAuthority) out['x-forwarded-host'] = clientAuthority;
  out.via = appendList(out.via, viaAfter(client.httpVersion));
  if (authority !== undefined && !h2) out.host = authority;
  return out;
}

/**
 * upstreamRequestHeaders() from an HTTP/2 client to an HTTP/2 origin: the engine's flat fields in,
 * flat fields out, with no header object either way (the two objects and their flattening were
 * ~1 KB of garbage per request). The same rules — keep both in step (headers.test.ts checks they
 * agree) — with the differences HTTP/2 allows: repeated fields stay repeated, and no field is
 * named by `connection` (an HTTP/2 request with a connection field is malformed, RFC 9113 §8.2.2;
 * the engine refuses it). The lists this hop appends to become one field each.
 */
export function upstreamRequestFields(fields: readonly string[], client: ClientFacts, clientAuthority: string | undefined): string[] {
  const out: string[] = [];
  let forwarded: string | undefined;
  let forwardedFor: string | undefined;
  let forwardedHost: string | undefined;
  let via: string | undefined;
  let teTrailers = false;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    switch (name) {
      case 'host':
      case 'x-forwarded-proto':
        continue;
      case 'forwarded':
        forwarded = joined(forwarded, value);
        continue;
      case 'x-forwarded-for':
        forwardedFor = joined(forwardedFor, value);
        continue;
      case 'x-forwarded-host':
        forwardedHost = joined(forwardedHost, value);
        continue;
      case 'via':
        via = joined(via, value);
        continue;
    }
    if (HOP_BY_HOP.has(name)) {
      teTrailers ||= name === 'te' && TE_TRAILERS.test(value);
      continue;
    }
    out.push(name, value);
  }
  if (teTrailers) out.push('te', 'trailers');
  const proto = client.tls ? 'https' : 'http';
  out.push('forwarded', appendList(forwarded, forwardedElement(client.remoteAddress, clientAuthority, proto)));
  forwardedFor = client.remoteAddress ? appendList(forwardedFor, client.remoteAddress) : forwardedFor;
  if (forwardedFor !== undefined) out.push('x-forwarded-for', forwardedFor);
  out.push('x-forwarded-proto', proto);
  forwardedHost = clientAuthority || forwardedHost;
  if (forwardedHost !== undefined) out.push('x-forwarded-host', forwardedHost);
  out.push('via', appendList(via, viaAfter(client.httpVersion)));
  return out;
}

/** Headers for the downstream response; `upstreamVersion` is the origin's protocol ('2' or '1.1'). */
export function downstreamResponseHeaders(incoming: IncomingHttpHeaders, upstreamVersion: '2' | '1.1'): OutgoingHttpHeaders {
  const out = endToEndHeaders(incoming, 'te');
  out.via = appendList(out.via, viaAfter(upstreamVersion));
  return out;
}

/**
 * downstreamResponseHeaders() for an HTTP/2 origin's head, flat fields in and out. No field is
 * named by `connection`: the engine refuses an HTTP/2 response with one (RFC 9113 §8.2.2).
 */
export function downstreamResponseFields(fields: readonly string[]): string[] {
  const out: string[] = [];
  let via: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    if (name === 'via') via = joined(via, fields[i + 1]!);
    else if (!HOP_BY_HOP.has(name)) out.push(name, fields[i + 1]!);
  }
  out.push('via', appendList(via, VIA_H2));
  return out;
}

/** Trailer fields to pass on (either direction): end-to-end ones only. */
export function forwardableTrailers(incoming: IncomingHttpHeaders | undefined): OutgoingHttpHeaders | undefined {
  if (!incoming) return undefined;
  const out = endToEndHeaders(incoming, 'te');
  for (const _ in out) return out;
  return undefined;
}

/** Repeated fields' values as one (as headersOf joins them). */
function joined(existing: string | undefined, value: string): string {
  return existing === undefined ? value : `${existing}, ${value}`;
}

function appendList(existing: HeaderValue, item: string): string {
  if (existing === undefined || existing === '') return item;
  return `${Array.isArray(existing) ? existing.join(', ') : String(existing)}, ${item}`;
}

/**
 * RFC 7239's element for this hop. Requests come in runs from one client and authority, so the
 * last one is kept: building it (address family check, quoting regex) was ~3 % of the CPU of a
 * small proxied request.
 */
let lastForwarded = { address: '', authority: '', proto: '', element: '' };

function forwardedElement(address: string | undefined, authority: string | undefined, proto: string): string {
  const last = lastForwarded;
  if (last.element !== '' && last.address === (address ?? '') && last.authority === (authority ?? '') && last.proto === proto) {
    return last.element;
  }
  let element = address ? `for=${forwardedNode(address)}` : 'for=unknown';
  if (authority) element += `;host=${quoteIfNeeded(authority)}`;
  element += `;proto=${proto}`;
  lastForwarded = { address: address ?? '', authority: authority ?? '', proto, element };
  return element;
}

function forwardedNode(address: string): string {
  return isIPv6(address) ? `"[${address}]"` : address;
}

function quoteIfNeeded(value: string): string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}
