/**
 * One request/response shape for all three listeners: node's HTTP/1.1 and HTTP/2-compat objects
 * share this surface, so each route is written once and serves TLS h2, h2c and HTTP/1.1 alike.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';

export interface DemoRequest extends Readable {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingHttpHeaders;
  readonly trailers: Record<string, string | string[] | undefined>;
  readonly httpVersion: string;
}

export interface DemoResponse extends Writable {
  statusCode: number;
  readonly headersSent: boolean;
  writeHead(status: number, headers?: OutgoingHttpHeaders): unknown;
  addTrailers(trailers: OutgoingHttpHeaders): void;
}

/** A route or a whole origin: answers one request. */
export type DemoHandler = (req: DemoRequest, res: DemoResponse) => void;

/** A query parameter that is not a valid value; the route answers 400 with this message. */
export class BadRequest extends Error {}

/** Reads an optional non-negative integer query parameter within [min, max]. */
export function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new BadRequest(`query parameter ${name}=${raw} is not a non-negative integer`);
  const value = Number(raw);
  if (value < min || value > max) throw new BadRequest(`query parameter ${name}=${raw} is outside [${min}, ${max}]`);
  return value;
}
