/** The static table of RFC 7541 Appendix A (indexes 1..61), and its lookup by name and value. */

const ENTRIES: ReadonlyArray<readonly [name: string, value: string]> = [
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];

export const STATIC_TABLE_LENGTH = ENTRIES.length;

/** Entry i of the static table is at [i - 1] (HPACK indexes start at 1). */
export const STATIC_NAMES: readonly string[] = ENTRIES.map(([name]) => name);
export const STATIC_VALUES: readonly string[] = ENTRIES.map(([, value]) => value);

/**
 * A name of the static table: its first index, and its values in table order. A name's entries
 * are consecutive in Appendix A, so values[k] is at index + k. At most seven values: a scan with
 * === is cheaper than hashing the value for a Map.
 */
export interface StaticName {
  readonly index: number;
  readonly values: readonly string[];
}

export const STATIC_LOOKUP: ReadonlyMap<string, StaticName> = buildLookup();

/** The static index of exactly this field, or 0. */
export function staticFieldIndex(entry: StaticName, value: string): number {
  const values = entry.values;
  for (let k = 0; k < values.length; k++) if (values[k] === value) return entry.index + k;
  return 0;
}

function buildLookup(): Map<string, StaticName> {
  const lookup = new Map<string, { index: number; values: string[] }>();
  ENTRIES.forEach(([name, value], i) => {
    const entry = lookup.get(name);
    if (entry === undefined) lookup.set(name, { index: i + 1, values: [value] });
    else entry.values.push(value);
  });
  return lookup;
}
