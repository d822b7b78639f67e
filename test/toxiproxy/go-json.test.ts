/**
 * Request bodies decode like Go's json.Decoder: error texts as Toxiproxy's server reports them
 * (encoding/json's scanner wording), one value read, keys folded onto fields case-insensitively.
 */
import { describe, expect, it } from 'vitest';
import { decodeGoJson, goJsonKind } from '../../api/go-json.js';
import { foldKeys } from '../../faults/toxics/folded-object.js';
import { parseHostPort } from '../../api/listen-address.js';

const errorOf = (text: string) => {
  const r = decodeGoJson(text);
  if (r.ok) throw new Error(`decoded ${text}`);
  return r.error;
};

describe('decodeGoJson', () => {
  it('words syntax errors as encoding/json does', () => {
    const cases: Array<[string, string]> = [
      ['', 'EOF'],
      ['  \n ', 'EOF'],
      ['{', 'unexpected EOF'],
      ['{"name": "x"', 'unexpected EOF'],
      ['tru', 'unexpected EOF'],
      ['{bad', "invalid character 'b' looking for beginning of object key string"],
      ['{,}', "invalid character ',' looking for beginning of object key string"],
      ['{"a" 1}', "invalid character '1' after object key"],
      ['{"a":1 "b":2}', `invalid character '"' after object key:value pair`],
      ['[1 2]', "invalid character '2' after array element"],
      ['{"a":}', "invalid character '}' looking for beginning of value"],
      ['trux', "invalid character 'x' in literal true (expecting 'e')"],
      ['nul!', "invalid character '!' in literal null (expecting 'l')"],
      ['-x', "invalid character 'x' in numeric literal"],
      ['1.x', "invalid character 'x' after decimal point in numeric literal"],
      ['1e+', 'unexpected EOF'],
      ['1ex', "invalid character 'x' in exponent of numeric literal"],
      ['"a\u0001"', "invalid character '\\x01' in string literal"],
      ['"a\tb"', "invalid character '\\t' in string literal"],
      ['"\\q"', "invalid character 'q' in string escape code"],
      ['"\\u12x4"', "invalid character 'x' in \\u hexadecimal character escape"],
      ["'single'", "invalid character '\\'' looking for beginning of value"],
    ];
    for (const [text, message] of cases) expect(errorOf(text), JSON.stringify(text)).toBe(message);
  });

  it('reads the first value and ignores what follows, like Decoder.Decode', () => {
    expect(decodeGoJson('{"name":"a"} trailing garbage')).toEqual({ ok: true, value: { name: 'a' } });
    expect(decodeGoJson('[1, {"b": [true, null]}, -2.5e3, "\\u00e9"]')).toEqual({ ok: true, value: [1, { b: [true, null] }, -2500, 'é'] });
  });

  it('refuses deep nesting with Go\'s words instead of running out of stack', () => {
    expect(decodeGoJson('['.repeat(500) + ']'.repeat(500)).ok).toBe(true);
    expect(errorOf('['.repeat(100_000))).toBe('exceeded max depth');
    expect(errorOf('{"a":'.repeat(5000))).toBe('exceeded max depth');
  });

  it('keeps a "__proto__" key as data', () => {
    const r = decodeGoJson('{"__proto__": {"polluted": 1}}');
    expect(r.ok && Object.keys(r.value as object)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('foldKeys and goJsonKind', () => {
  it('folds keys case-insensitively, the later key winning, and drops unknown keys and nulls', () => {
    expect(foldKeys({ NAME: 'a', name: 'b', Colour: 'red', upstream: null, Listen: 'x' }, ['name', 'listen', 'upstream'])).toEqual({ name: 'b', listen: 'x' });
  });

  it('names JSON kinds as Go does', () => {
    expect([5, 1.5, 'x', true, [], {}, null].map(goJsonKind)).toEqual(['number', 'number 1.5', 'string', 'bool', 'array', 'object', 'null']);
  });
});

describe('parseHostPort', () => {
  it('splits like net.SplitHostPort and words failures like net.Listen', () => {
    expect(parseHostPort('127.0.0.1:8474')).toEqual({ host: '127.0.0.1', port: 8474 });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort(':9000')).toEqual({ host: '', port: 9000 });
    expect(() => parseHostPort('nonsense')).toThrow('listen tcp: address nonsense: missing port in address');
    expect(() => parseHostPort('::1:80')).toThrow('listen tcp: address ::1:80: too many colons in address');
    expect(() => parseHostPort('[::1:80')).toThrow("listen tcp: address [::1:80: missing ']' in address");
    expect(() => parseHostPort('h:99999')).toThrow('listen tcp: address h:99999: invalid port');
  });
});
