/**
 * RFC 9113 §8.2 / §8.3 on decoded header lists, straight at header-validation.ts: each rule's
 * first violation is named in its one line, and a seeded property holds the field checks to an
 * oracle written from the RFC's text (regular expressions, field by field) over lists built to
 * meet every rule: names with uppercase, non-token and non-ASCII characters, connection-specific
 * fields, te, content-length in its accepted and refused forms, values with NUL / CR / LF and
 * leading or trailing whitespace.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { regularFieldsProblem, requestHead, requestProblem, responseHead, withoutInvalidFields } from '../../h2/proto/header-validation.js';

const RUNS = { seed: 9113, numRuns: 2000 };

/** The oracle: §8.2.1 names and values, §8.2.2 connection-specific fields and te, RFC 9110 §8.6 content-length. */
const TOKEN_LOWER = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const CONNECTION_SPECIFIC = ['connection', 'proxy-connection', 'keep-alive', 'transfer-encoding', 'upgrade'];

function oracleContentLength(value: string): number | undefined {
  const parts = value.split(',').map((part) => part.trim());
  if (!parts.every((part) => /^[0-9]{1,15}$/.test(part))) return undefined;
  const numbers = new Set(parts.map(Number));
  return numbers.size === 1 ? [...numbers][0] : undefined;
}

function oracleField(name: string, value: string): string | undefined {
  if (name.startsWith(':')) return `pseudo-header ${name} among regular fields`;
  if (name === '') return 'empty field name';
  if (!TOKEN_LOWER.test(name)) {
    const first = [...name].find((c) => !TOKEN_LOWER.test(c))!;
    return /[A-Z]/.test(first) ? `uppercase in field name ${JSON.stringify(name)}` : `invalid character in field name ${JSON.stringify(name)}`;
  }
  if (/^[ \t]|[ \t]$/.test(value)) return `field ${name} has leading or trailing whitespace`;
  if (/[\0\r\n]/.test(value)) return `field ${name} contains NUL, CR or LF`;
  if (CONNECTION_SPECIFIC.includes(name)) return `connection-specific field ${name}`;
  if (name === 'te' && value !== 'trailers') return `te: ${JSON.stringify(value)} (only "trailers" is allowed)`;
  return undefined;
}

/** The oracle's verdict on regular fields: the first problem, else the declared content-length (-1: none). */
function oracleRegular(list: string[]): string | number {
  let contentLength = -1;
  for (let i = 0; i < list.length; i += 2) {
    const [name, value] = [list[i]!, list[i + 1]!];
    const problem = oracleField(name, value);
    if (problem) return problem;
    if (name === 'content-length') {
      const n = oracleContentLength(value);
      if (n === undefined || (contentLength !== -1 && n !== contentLength)) return `invalid content-length ${JSON.stringify(value)}`;
      contentLength = n;
    }
  }
  return contentLength;
}

const chars = (alphabet: string, maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...alphabet), { maxLength }).map((cs) => cs.join(''));

const nameArb = fc.oneof(
  fc.constantFrom('content-type', 'x-a', 'te', 'content-length', ...CONNECTION_SPECIFIC, 'Content-Type', 'x a', 'x:a', ':path', '', 'caf\u00e9', 'x\u212a', 'tE', 'upgradE'),
  chars("abz09-_~!|`'Az :\u00c9\u00ff\u0100", 12),
);
const valueArb = fc.oneof(
  fc.constantFrom('', 'trailers', 'text/plain', '12', '12, 12', '12,13', ' 12', '12 ', '1234567890123456', '007', ',', '12,', 'a\0b', 'a\rb', 'a\nb', '\tx', 'x\t', ' ', '\u00e9', '\u0130'),
  chars('09, \t\r\n\0a\u000b\u000cz\u00ff', 10),
);
const fieldsArb = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 6 }).map((pairs) => pairs.flat());

describe('regular fields against the oracle', () => {
  it('regularFieldsProblem names the first problem, or none', () => {
    fc.assert(
      fc.property(fieldsArb, (list) => {
        const expected = oracleRegular(list);
        expect(regularFieldsProblem(list)).toBe(typeof expected === 'string' ? expected : undefined);
      }),
      RUNS,
    );
  });

  it("responseHead: the same rules after :status, and the content-length they declare", () => {
    fc.assert(
      fc.property(fieldsArb, (random) => {
        // A regular field first: a pseudo-header right after :status would still be in the pseudo-header section.
        const fields = ['x-first', '1', ...random];
        const expected = oracleRegular(fields);
        const head = responseHead([':status', '200', ...fields]);
        if (typeof expected === 'string') expect(head).toBe(expected);
        else expect(head).toEqual({ status: 200, fields, contentLength: expected });
      }),
      RUNS,
    );
  });

  it('requestHead: the same rules after the pseudo-headers; the head has the rest', () => {
    fc.assert(
      fc.property(fieldsArb, fc.boolean(), (random, endStream) => {
        const fields = ['x-first', '1', ...random];
        const expected = oracleRegular(fields);
        const head = requestHead([':method', 'GET', ':scheme', 'https', ':path', '/', ...fields], endStream);
        if (typeof expected === 'string') expect(head).toBe(expected);
        else expect(head).toEqual({ method: 'GET', scheme: 'https', authority: '', path: '/', protocol: '', fields, contentLength: expected, endStream });
      }),
      RUNS,
    );
  });

  it('withoutInvalidFields drops exactly the fields whose name or value is invalid', () => {
    fc.assert(
      fc.property(fieldsArb, (list) => {
        const kept: string[] = [];
        for (let i = 0; i < list.length; i += 2) {
          const [name, value] = [list[i]!, list[i + 1]!];
          const invalid = !name.startsWith(':') && (!TOKEN_LOWER.test(name) || /^[ \t]|[ \t]$|[\0\r\n]/.test(value));
          if (!invalid) kept.push(name, value);
        }
        expect(withoutInvalidFields(list)).toEqual(kept);
      }),
      RUNS,
    );
  });
});

describe('a field found valid before at its position', () => {
  it('lets nothing invalid through when the next list differs there, and takes the same list again', () => {
    const ok = ['x-a', 'one', 'x-b', 'two two', 'content-length', '5'];
    for (const check of [(l: string[]) => regularFieldsProblem(l), (l: string[]) => responseHead([':status', '200', ...l]), (l: string[]) => requestHead([':method', 'GET', ':scheme', 'https', ':path', '/', ...l], false)]) {
      expect(typeof check(ok)).not.toBe('string');
      expect(check(['x-a', 'one', 'x-b', 'two\ntwo', 'content-length', '5'])).toBe('field x-b contains NUL, CR or LF');
      expect(check(['x-a', 'one', 'X-b', 'two two', 'content-length', '5'])).toBe('uppercase in field name "X-b"');
      expect(check(['x-a', 'one', 'x-b', 'two two ', 'content-length', '5'])).toBe('field x-b has leading or trailing whitespace');
      expect(check(['x-a', 'one', 'x-b', 'two two', 'content-length', '5x'])).toBe('invalid content-length "5x"');
      // The same text as a new string object: still valid.
      expect(typeof check(['x-a', 'one', 'x-b', ['two', 'two'].join(' '), 'content-length', '5'])).not.toBe('string');
    }
    expect(requestHead([':method', 'GET', ':scheme', 'https', ':path', '/\0'], false)).toBe('field :path contains NUL, CR or LF');
    expect(requestProblem([':method', 'GET', ':scheme', 'https', ':path', '/'], false)).toBeUndefined();
    expect(requestProblem([':method', 'GET', ':scheme', 'https', ':path', '/\r'], false)).toBe('field :path contains NUL, CR or LF');
  });
});

describe('request pseudo-headers (§8.3.1)', () => {
  const base = [':method', 'GET', ':scheme', 'https', ':authority', 'example.com', ':path', '/a?b'];
  const cases: Array<[string, string[], string, boolean?]> = [
    ['a duplicate :method', [':method', 'GET', ...base], 'duplicate :method'],
    ['a duplicate :scheme', [':scheme', 'http', ...base], 'duplicate :scheme'],
    ['a duplicate :authority', [':authority', 'a', ...base], 'duplicate :authority'],
    ['a duplicate :path', [':path', '/', ...base], 'duplicate :path'],
    ['an empty :method', [':method', '', ':scheme', 'https', ':path', '/'], 'invalid :method ""'],
    ['a :method with a space', [':method', 'G T', ':scheme', 'https', ':path', '/'], 'invalid :method "G T"'],
    ['a :method with a non-ASCII letter', [':method', 'GE\u00c9', ':scheme', 'https', ':path', '/'], 'invalid :method "GE\u00c9"'],
    ['an empty :scheme', [':method', 'GET', ':scheme', '', ':path', '/'], 'empty :scheme'],
    ['an empty :path', [':method', 'GET', ':scheme', 'https', ':path', ''], 'empty :path'],
    ['a pseudo-header value with CR', [':method', 'GET', ':scheme', 'https', ':path', '/\r'], 'field :path contains NUL, CR or LF'],
    ['a pseudo-header value with a trailing space', [':method', 'GET', ':scheme', 'https', ':path', '/ '], 'field :path has leading or trailing whitespace'],
    [':status after a regular field', [...base, 'x-a', '1', ':status', '200'], 'pseudo-header :status among regular fields'],
    [':status among the pseudo-headers', [':status', '200', ...base], 'pseudo-header :status not allowed in a request'],
    ['an unknown pseudo-header', [':foo', 'x', ...base], 'pseudo-header :foo not allowed in a request'],
    ['a pseudo-header after a regular field', [':method', 'GET', 'x-a', '1', ':scheme', 'https', ':path', '/'], 'pseudo-header :scheme among regular fields'],
    ['no :method', [':scheme', 'https', ':path', '/'], 'missing :method'],
    ['no :scheme', [':method', 'GET', ':path', '/'], 'missing :scheme'],
    ['no :path', [':method', 'GET', ':scheme', 'https'], 'missing :path'],
    ['CONNECT with :path', [':method', 'CONNECT', ':authority', 'a:443', ':path', '/'], 'CONNECT with :scheme or :path'],
    ['CONNECT without :authority', [':method', 'CONNECT'], 'CONNECT without :authority'],
    [':protocol without the setting', [':method', 'CONNECT', ':protocol', 'websocket', ':scheme', 'https', ':path', '/'], 'pseudo-header :protocol not allowed in a request (SETTINGS_ENABLE_CONNECT_PROTOCOL not sent)'],
    [':protocol with GET', [':method', 'GET', ':protocol', 'websocket', ':scheme', 'https', ':path', '/'], ':protocol with :method GET (only CONNECT takes it)', true],
    ['an empty :protocol', [':method', 'CONNECT', ':protocol', '', ':scheme', 'https', ':path', '/'], 'empty :protocol', true],
    ['a duplicate :protocol', [':method', 'CONNECT', ':protocol', 'a', ':protocol', 'b'], 'duplicate :protocol', true],
    ['extended CONNECT without :path', [':method', 'CONNECT', ':protocol', 'websocket', ':scheme', 'https'], 'extended CONNECT without :path', true],
    ['extended CONNECT without :scheme', [':method', 'CONNECT', ':protocol', 'websocket', ':path', '/'], 'extended CONNECT without :scheme', true],
  ];
  for (const [what, list, problem, extendedConnect] of cases) {
    it(`${what} → "${problem}"`, () => {
      expect(requestHead(list, true, extendedConnect ?? false)).toBe(problem);
      expect(requestProblem(list, extendedConnect ?? false)).toBe(problem);
    });
  }

  it('a valid request makes its head; methods of any token case are taken', () => {
    expect(requestHead([...base, 'x-a', '1'], false)).toEqual({ method: 'GET', scheme: 'https', authority: 'example.com', path: '/a?b', protocol: '', fields: ['x-a', '1'], contentLength: -1, endStream: false });
    expect(requestHead([':method', 'M-SEARCH~1', ':scheme', 'http', ':path', '*'], true)).toMatchObject({ method: 'M-SEARCH~1', path: '*', fields: [] });
    expect(requestHead([':method', 'CONNECT', ':authority', 'a:443'], false)).toMatchObject({ method: 'CONNECT', authority: 'a:443', scheme: '', path: '' });
    expect(requestHead([':method', 'CONNECT', ':protocol', 'websocket', ':scheme', 'https', ':path', '/chat'], false, true)).toMatchObject({ protocol: 'websocket', path: '/chat' });
    expect(requestProblem(base, false)).toBeUndefined();
  });
});

describe('response :status (§8.3.2)', () => {
  const cases: Array<[string[], string]> = [
    [[':status', '20'], 'invalid :status "20"'],
    [[':status', '2000'], 'invalid :status "2000"'],
    [[':status', '099'], 'invalid :status "099"'],
    [[':status', '2a0'], 'invalid :status "2a0"'],
    [[':status', '+20'], 'invalid :status "+20"'],
    [[':status', '200', ':status', '200'], 'duplicate :status'],
    [[':path', '/'], 'pseudo-header :path not allowed in a response'],
    [['x-a', '1'], 'missing :status'],
    [[], 'missing :status'],
  ];
  for (const [list, problem] of cases) it(`${JSON.stringify(list)} → "${problem}"`, () => expect(responseHead(list)).toBe(problem));

  it('every status from 100 to 999 is taken as its number', () => {
    for (let status = 100; status <= 999; status++) expect(responseHead([':status', String(status)])).toEqual({ status, fields: [], contentLength: -1 });
  });
});
