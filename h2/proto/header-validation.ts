/**
 * HTTP semantics of a decoded header list (RFC 9113 §8.2, §8.3): field names and values, the
 * connection-specific fields HTTP/2 forbids, pseudo-header rules, and the heads they make. A list
 * that breaks them is malformed (§8.1.1): a stream error of type PROTOCOL_ERROR. Each check
 * returns the reason as one line, or the head; nothing here throws.
 *
 * Field lists are flat: [name0, value0, name1, value1, ...], as the HPACK decoder yields them.
 */

export interface RequestHead {
  method: string;
  scheme: string;
  /** '' when the request has none (a Host field may say it). */
  authority: string;
  path: string;
  /**
   * RFC 8441 extended CONNECT's :protocol (e.g. 'websocket'): the stream is a tunnel for it.
   * '' for any other request.
   */
  protocol: string;
  /** Regular fields, pseudo-headers removed, in order: [name, value, ...]. */
  fields: string[];
  /** The content-length field's value; -1 when absent. */
  contentLength: number;
  /** The request has no body: END_STREAM came with its HEADERS. */
  endStream: boolean;
}

export interface ResponseHead {
  status: number;
  fields: string[];
  contentLength: number;
}

/** A malformed message: why, in one line. */
export type Malformed = string;

/**
 * Per character code below 128, what it may be: NAME (a token character of RFC 9110 §5.6.2 but
 * uppercase, §8.2.1: names must be lowercase), METHOD (a token character in either case). One
 * table, read with one index per character: the checks below are char-code loops, no regular
 * expression and no string built unless the list is malformed.
 */
const NAME = 1;
const METHOD = 2;
const CHAR_CLASS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz") CHAR_CLASS[c.charCodeAt(0)] = NAME | METHOD;
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') CHAR_CLASS[c.charCodeAt(0)] = METHOD;

/** Whether every character of `text` (non-empty) is of `charClass`. */
function allOf(text: string, charClass: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || (CHAR_CLASS[c]! & charClass) === 0) return false;
  }
  return text.length !== 0;
}

/** Why a name allOf(name, NAME) refused is invalid: its first character that is not allowed says. */
function nameProblem(name: string): Malformed {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 128 && (CHAR_CLASS[c]! & NAME) !== 0) continue;
    return c >= 0x41 && c <= 0x5a ? `uppercase in field name ${JSON.stringify(name)}` : `invalid character in field name ${JSON.stringify(name)}`;
  }
  return 'empty field name';
}

/** §8.2.1: no NUL, CR or LF, and no leading or trailing whitespace. */
function valueValid(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return false;
  for (let i = 0; i < n; i++) {
    // One comparison per character on the good path: NUL, LF and CR are all below 0x0e.
    const c = value.charCodeAt(i);
    if (c < 0x0e && (c === 0 || c === 0x0a || c === 0x0d)) return false;
  }
  return true;
}

/** Positions of a list KnownValid keeps (fields 0 to 31), and the longest text it keeps. */
const KNOWN_POSITIONS = 32;
const KNOWN_MAX_LENGTH = 256;

/**
 * The name and value last found valid at each field position of the lists one kind of caller
 * checks. Traffic repeats its fields, often as the very string objects HPACK hands on (its
 * tables, its literal cache), and a field equal to the one found valid at its position before is
 * valid without a look at its characters: for the same string object, one pointer comparison.
 * Validity is a function of the text alone, so an entry from another list only costs a miss.
 */
class KnownValid {
  /** Both start with a valid text, as every entry must be. */
  private readonly names = new Array<string>(KNOWN_POSITIONS).fill('x');
  private readonly values = new Array<string>(KNOWN_POSITIONS).fill('');

  /** Whether the name at list index `at` (even) is valid (§8.2.1: a lowercase token). */
  name(at: number, name: string): boolean {
    const field = at >>> 1;
    if (field < KNOWN_POSITIONS && this.names[field] === name) return true;
    if (!allOf(name, NAME)) return false;
    if (field < KNOWN_POSITIONS && name.length <= KNOWN_MAX_LENGTH) this.names[field] = name;
    return true;
  }

  /** Whether the value of the field at list index `at` (even) is valid (valueValid). */
  value(at: number, value: string): boolean {
    const field = at >>> 1;
    if (field < KNOWN_POSITIONS && this.values[field] === value) return true;
    if (!valueValid(value)) return false;
    if (field < KNOWN_POSITIONS && value.length <= KNOWN_MAX_LENGTH) this.values[field] = value;
    return true;
  }
}

/** One per kind of list: each kind has its own shape, position by position. */
const RECEIVED_REQUESTS = new KnownValid();
const SENT_REQUESTS = new KnownValid();
const RESPONSES = new KnownValid();
const REGULAR_FIELDS = new KnownValid();

function valueProblem(name: string, value: string): Malformed {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) return `field ${name} has leading or trailing whitespace`;
  return `field ${name} contains NUL, CR or LF`;
}

/**
 * A valid regular field's name that HTTP/2 treats apart (§8.2.2), found by its length first so
 * the usual field costs no comparison of its text.
 */
const Special = { None: 0, ConnectionSpecific: 1, Te: 2, ContentLength: 3 } as const;
type Special = (typeof Special)[keyof typeof Special];

function specialName(name: string): Special {
  switch (name.length) {
    case 2:
      return name === 'te' ? Special.Te : Special.None;
    case 7:
      return name === 'upgrade' ? Special.ConnectionSpecific : Special.None;
    case 10:
      return name === 'connection' || name === 'keep-alive' ? Special.ConnectionSpecific : Special.None;
    case 14:
      return name === 'content-length' ? Special.ContentLength : Special.None;
    case 16:
      return name === 'proxy-connection' ? Special.ConnectionSpecific : Special.None;
    case 17:
      return name === 'transfer-encoding' ? Special.ConnectionSpecific : Special.None;
    default:
      return Special.None;
  }
}

/** The status of a response: three digits, the first 1-9 (RFC 9110 §15); 0 when invalid. */
function parseStatus(value: string): number {
  if (value.length !== 3) return 0;
  const a = value.charCodeAt(0) - 0x30;
  const b = value.charCodeAt(1) - 0x30;
  const c = value.charCodeAt(2) - 0x30;
  if (a < 1 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return 0;
  return a * 100 + b * 10 + c;
}

/** A plain decimal of 1 to 15 digits: its value, or -1 when `text[from, to)` is not one. */
function parseDecimal(text: string, from: number, to: number): number {
  if (to - from < 1 || to - from > 15) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** RFC 9110 §8.6: one or more equal non-negative decimal values. Returns -2 when invalid. */
function parseContentLength(value: string, previous: number): number {
  // The usual field, one plain number, without a split per message.
  let result = parseDecimal(value, 0, value.length);
  if (result === -1) {
    for (const part of value.split(',')) {
      const text = part.trim();
      const n = parseDecimal(text, 0, text.length);
      if (n === -1 || (result !== -1 && n !== result)) return -2;
      result = n;
    }
  }
  return previous !== -1 && previous !== result ? -2 : result;
}

/**
 * Validates a request's header list (§8.3.1) into its head. `extendedConnect`: the server sent
 * SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441), so :protocol may come with a CONNECT.
 */
export function requestHead(list: readonly string[], endStream: boolean, extendedConnect = false): RequestHead | Malformed {
  const problem = scanRequest(list, extendedConnect, RECEIVED_REQUESTS);
  if (problem) return problem;
  const { method, scheme, authority, path, protocol, regularFrom, contentLength } = scanned;
  const fields = regularFrom === 0 ? (list as string[]) : list.slice(regularFrom);
  return { method, scheme, authority, path, protocol, fields, contentLength, endStream };
}

/** Why a request's header list is malformed (requestHead's rules), without making its head: the client role's check of what it sends. */
export function requestProblem(list: readonly string[], extendedConnect: boolean): Malformed | undefined {
  return scanRequest(list, extendedConnect, SENT_REQUESTS);
}

/**
 * What the last scanRequest found: one record reused (each scan fills it and its caller reads it
 * before the next), so checking a request makes no object.
 */
const scanned = { method: '', scheme: '', authority: '', path: '', protocol: '', regularFrom: 0, contentLength: -1 };

function scanRequest(list: readonly string[], extendedConnect: boolean, known: KnownValid): Malformed | undefined {
  let method = '';
  let protocol: string | undefined;
  let scheme = '';
  let authority: string | undefined;
  let path = '';
  let hasScheme = false;
  let hasPath = false;
  let at = 0;
  for (; at < list.length; at += 2) {
    const name = list[at]!;
    if (name.charCodeAt(0) !== 0x3a) break;
    const value = list[at + 1]!;
    if (!known.value(at, value)) return valueProblem(name, value);
    switch (name) {
      case ':method':
        if (method !== '') return 'duplicate :method';
        if (!allOf(value, METHOD)) return `invalid :method ${JSON.stringify(value)}`;
        method = value;
        break;
      case ':scheme':
        if (hasScheme) return 'duplicate :scheme';
        if (value === '') return 'empty :scheme';
        hasScheme = true;
        scheme = value;
        break;
      case ':authority':
        if (authority !== undefined) return 'duplicate :authority';
        authority = value;
        break;
      case ':path':
        if (hasPath) return 'duplicate :path';
        if (value === '') return 'empty :path';
        hasPath = true;
        path = value;
        break;
      case ':protocol':
        // RFC 8441 §4: only once the server said SETTINGS_ENABLE_CONNECT_PROTOCOL; before, it is
        // an undefined pseudo-header as any other.
        if (!extendedConnect) return 'pseudo-header :protocol not allowed in a request (SETTINGS_ENABLE_CONNECT_PROTOCOL not sent)';
        if (protocol !== undefined) return 'duplicate :protocol';
        if (value === '') return 'empty :protocol';
        protocol = value;
        break;
      default:
        // :status belongs to responses, and §8.3
        // "Endpoints MUST treat a request or response that contains undefined or invalid
        // pseudo-header fields as malformed."
        return `pseudo-header ${name} not allowed in a request`;
    }
  }
  const contentLength = regularFields(list, at, known);
  if (typeof contentLength === 'string') return contentLength;
  if (method === '') return 'missing :method';
  if (protocol !== undefined) {
    // RFC 8441 §4: an extended CONNECT names its target as any request does.
    if (method !== 'CONNECT') return `:protocol with :method ${method} (only CONNECT takes it)`;
    if (!hasScheme) return 'extended CONNECT without :scheme';
    if (!hasPath) return 'extended CONNECT without :path';
  } else if (method === 'CONNECT') {
    // §8.5: CONNECT names its target in :authority only.
    if (hasScheme || hasPath) return 'CONNECT with :scheme or :path';
    if (!authority) return 'CONNECT without :authority';
  } else {
    if (!hasScheme) return 'missing :scheme';
    if (!hasPath) return 'missing :path';
  }
  scanned.method = method;
  scanned.scheme = scheme;
  scanned.authority = authority ?? '';
  scanned.path = path;
  scanned.protocol = protocol ?? '';
  scanned.regularFrom = at;
  scanned.contentLength = contentLength;
  return undefined;
}

/** Validates a response's header list (§8.3.2) into its head (the client role). */
export function responseHead(list: readonly string[]): ResponseHead | Malformed {
  let status = 0;
  let at = 0;
  for (; at < list.length; at += 2) {
    const name = list[at]!;
    if (name.charCodeAt(0) !== 0x3a) break;
    if (name !== ':status') return `pseudo-header ${name} not allowed in a response`;
    if (status !== 0) return 'duplicate :status';
    const value = list[at + 1]!;
    status = parseStatus(value);
    if (status === 0) return `invalid :status ${JSON.stringify(value)}`;
  }
  const contentLength = regularFields(list, at, RESPONSES);
  if (typeof contentLength === 'string') return contentLength;
  if (status === 0) return 'missing :status';
  const fields = list.slice(at);
  return { status, fields, contentLength };
}

/**
 * Validates fields that may hold no pseudo-header: trailers (§8.1: "Trailers MUST NOT include
 * pseudo-header fields"), and the fields an application gives for a head it sends.
 */
export function regularFieldsProblem(list: readonly string[]): Malformed | undefined {
  const checked = regularFields(list, 0, REGULAR_FIELDS);
  return typeof checked === 'string' ? checked : undefined;
}

/**
 * Trailers as the client role takes them: a field whose name or value is invalid is dropped, as
 * nghttp2 does, instead of failing a response whose body has all arrived. Pseudo-headers and
 * connection-specific fields stay for regularFieldsProblem to refuse.
 */
export function withoutInvalidFields(list: string[]): string[] {
  let kept: string[] | undefined;
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    const invalid = name.charCodeAt(0) !== 0x3a && !(allOf(name, NAME) && valueValid(list[i + 1]!));
    if (invalid) kept ??= list.slice(0, i);
    else kept?.push(name, list[i + 1]!);
  }
  return kept ?? list;
}

/** Checks the regular fields from `from` on: the content-length they declare (-1 when none), or why they are malformed. */
function regularFields(list: readonly string[], from: number, known: KnownValid): number | Malformed {
  let contentLength = -1;
  for (let i = from; i < list.length; i += 2) {
    const name = list[i]!;
    if (name.charCodeAt(0) === 0x3a) return `pseudo-header ${name} among regular fields`;
    const value = list[i + 1]!;
    if (!known.name(i, name)) return nameProblem(name);
    if (!known.value(i, value)) return valueProblem(name, value);
    switch (specialName(name)) {
      case Special.ConnectionSpecific:
        return `connection-specific field ${name}`;
      case Special.Te:
        // §8.2.2: "The only exception to this is the TE header field, which MAY be present in an
        // HTTP/2 request; when it is, it MUST NOT contain any value other than 'trailers'."
        if (value !== 'trailers') return `te: ${JSON.stringify(value)} (only "trailers" is allowed)`;
        break;
      case Special.ContentLength:
        contentLength = parseContentLength(value, contentLength);
        if (contentLength === -2) return `invalid content-length ${JSON.stringify(value)}`;
        break;
    }
  }
  return contentLength;
}
