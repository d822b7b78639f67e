/**
 * The shape of a ported h2spec case and the helpers its cases share (h2spec's spec/spec.go and
 * spec/util.go): the target's configuration, the failure and skip results, the request headers
 * every case starts from, and the dummy headers some of them add.
 */
import { FrameType } from '../../h2/frame/constants.js';
import type { HeaderList } from '../helpers/raw-h2.js';
import { H2specConn, type ConnOptions } from './conn.js';
import { endsStream } from './events.js';

/** h2spec's config.Config, as far as the server cases read it. */
export interface SpecConfig extends ConnOptions {
  /** -P, the path requested (h2spec's default "/"). */
  path: string;
  /** --max-header-length: the length of each dummy header's value (h2spec's default 4000). */
  maxHeaderLen: number;
}

/** A case's verdict when the server did not do what the case requires (h2spec's TestError). */
export class TestError extends Error {
  constructor(readonly expected: readonly string[], readonly actual: string) {
    super(`Expected: ${expected.join(' | ')}\n  Actual: ${actual}`);
    this.name = 'TestError';
  }
}

/** h2spec's ErrSkipped: the target lacks what the case needs (e.g. an advertised stream limit). */
export class Skipped extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Skipped';
  }
}

export interface CaseDef {
  desc: string;
  requirement: string;
  /** Run only in h2spec's --strict mode. */
  strict?: boolean;
  /** Resolves when the case passes; throws TestError, Skipped or any other error (a failure). */
  run(conn: H2specConn, c: SpecConfig): Promise<void>;
}

/** One h2spec test group with the cases it adds (not its subgroups: those are groups too). */
export interface SpecGroup {
  key: 'generic' | 'http2' | 'hpack';
  section: string;
  name: string;
  cases: readonly CaseDef[];
}

export interface SpecCase extends CaseDef {
  /** h2spec's id, e.g. "http2/5.1/8": the group's key and section, then the case's number. */
  id: string;
  group: string;
}

/** Numbers a group's cases as h2spec does: its normal cases first, then its strict ones. */
export function casesOf(group: SpecGroup): SpecCase[] {
  const ordered = [...group.cases.filter((c) => !c.strict), ...group.cases.filter((c) => c.strict)];
  return ordered.map((c, i) => ({ ...c, id: `${group.key}/${group.section}/${i + 1}`, group: `${group.section}. ${group.name}` }));
}

/** h2spec's CommonHeaders: a GET of the configured path. Cases change entries by index. */
export function commonHeaders(c: SpecConfig): Array<[string, string]> {
  const defaultPort = c.port === (c.tls ? 443 : 80);
  return [
    [':method', 'GET'],
    [':scheme', c.tls ? 'https' : 'http'],
    [':path', c.path],
    [':authority', defaultPort ? c.host : `${c.host}:${c.port}`],
  ];
}

/** commonHeaders with another :method (h2spec's `headers[0].Value = "POST"`). */
export function requestWithMethod(c: SpecConfig, method: string, extra: HeaderList = []): HeaderList {
  const headers = commonHeaders(c);
  headers[0] = [':method', method];
  return [...headers, ...extra];
}

/** h2spec's DummyHeaders: `n` headers x-dummy0.. each with a value of maxHeaderLen 'x's. */
export function dummyHeaders(c: SpecConfig, n: number): HeaderList {
  return Array.from({ length: n }, (_, i) => [`x-dummy${i}`, 'x'.repeat(c.maxHeaderLen)] as const);
}

/** PING payload h2spec uses: 8 bytes, `text` then zeros. */
export function pingData(text = ''): Buffer {
  const data = Buffer.alloc(8);
  data.write(text, 'latin1');
  return data;
}

/**
 * h2spec's ServerDataLength: on a connection of its own, GETs the path and adds up the DATA
 * lengths until the response ends. The cases that need a body skip when it is empty.
 */
export async function serverDataLength(c: SpecConfig): Promise<number> {
  const conn = await H2specConn.dial(c);
  try {
    await conn.handshake();
    conn.writeHeaders({ streamId: 1, endStream: true, endHeaders: true, block: conn.encodeHeaders(commonHeaders(c)) });
    let length = 0;
    while (!conn.closed) {
      const ev = await conn.waitEvent();
      if (ev.kind !== 'frame') continue;
      if (ev.type === FrameType.DATA) length += ev.length;
      if (endsStream(ev)) return length;
    }
    throw new Error('Unable to get server data length');
  } finally {
    conn.close();
  }
}

/** Skips the case unless the server's response to the path has at least `min` bytes of body. */
export async function requireServerData(c: SpecConfig, min: number): Promise<void> {
  const length = await serverDataLength(c);
  if (length < min) throw new Skipped(`the response body has ${length} bytes; the case needs ${min}`);
}
