/**
 * Header fields between the two shapes the proxy handles: h2race's engine's flat lists
 * ([name, value, ...], lowercase names) and Node's header objects (what the header rules in
 * headers.ts and the HTTP/1.1 side work on).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** A field list as node:http2 gives it: repeated fields joined (cookie with '; '), set-cookie an array. */
export function headersOf(fields: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    const seen = headers[name];
    if (seen === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = `${seen}${name === 'cookie' ? '; ' : ', '}${value}`;
  }
  return headers;
}

/** Regular fields, flat, without pseudo-headers; the engine validates them (TypeError naming the field). */
export function fieldsOf(headers: OutgoingHttpHeaders): string[] {
  const fields: string[] = [];
  for (const name in headers) {
    if (name.charCodeAt(0) === 0x3a) continue;
    const value = headers[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (Array.isArray(value)) for (const v of value) fields.push(lower, v);
    else fields.push(lower, String(value));
  }
  return fields;
}

/** A field's value as headersOf() would give it (repeated ones joined with ', '); undefined when absent. */
export function fieldValue(fields: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    if (fields[i] === name) value = value === undefined ? fields[i + 1]! : `${value}, ${fields[i + 1]!}`;
  }
  return value;
}
