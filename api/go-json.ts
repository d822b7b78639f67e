/**
 * JSON request bodies read the way Toxiproxy's Go server reads them, so that error bodies match
 * what Toxiproxy clients (and people reading their logs) already know:
 *   - `json.Decoder.Decode` reads ONE value; bytes after it are ignored;
 *   - empty input is `EOF`, input cut short is `unexpected EOF`;
 *   - a syntax error names the character and where the scanner was ("invalid character 'x'
 *     looking for beginning of object key string");
 *   - object keys match struct fields case-insensitively, unknown keys are ignored
 *     (faults/toxics/folded-object.ts, which toxic entries read too).
 */

export type GoJsonResult = { ok: true; value: unknown } | { ok: false; error: string };

class GoSyntaxError extends Error {}

/**
 * Go stops at 10000 nested arrays/objects ("exceeded max depth"); a recursive reader would run
 * out of stack first, so h2race stops at 1000 with Go's words. API bodies nest three deep.
 */
const MAX_DEPTH = 1000;

/** Decode the first JSON value of `text` like Go's json.Decoder; errors carry Go's wording. */
export function decodeGoJson(text: string): GoJsonResult {
  const scanner = new Scanner(text);
  try {
    scanner.skipSpace();
    if (scanner.atEnd()) return { ok: false, error: 'EOF' };
    return { ok: true, value: scanner.value() };
  } catch (err) {
    if (err instanceof GoSyntaxError) return { ok: false, error: err.message };
    throw err;
  }
}

class Scanner {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string {
    if (this.atEnd()) throw new GoSyntaxError('unexpected EOF');
    return this.text[this.pos]!;
  }

  private fail(context: string): never {
    throw new GoSyntaxError(`invalid character ${quoteChar(this.text[this.pos]!)} ${context}`);
  }

  value(): unknown {
    const c = this.peek();
    if (c === '{' || c === '[') {
      if (++this.depth > MAX_DEPTH) throw new GoSyntaxError('exceeded max depth');
      const v = c === '{' ? this.object() : this.array();
      this.depth--;
      return v;
    }
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    if (c === 't') return this.literal('true', true);
    if (c === 'f') return this.literal('false', false);
    if (c === 'n') return this.literal('null', null);
    this.fail('looking for beginning of value');
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++;
    this.skipSpace();
    if (this.peek() === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.peek() !== '"') this.fail('looking for beginning of object key string');
      const key = this.string();
      this.skipSpace();
      if (this.peek() !== ':') this.fail('after object key');
      this.pos++;
      this.skipSpace();
      const v = this.value();
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('after object key:value pair');
      }
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++;
    this.skipSpace();
    if (this.peek() === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      out.push(this.value());
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('after array element');
      }
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++;
    for (;;) {
      const c = this.peek();
      if (c === '"') {
        this.pos++;
        return JSON.parse(this.text.slice(start, this.pos)) as string;
      }
      if (c < ' ') this.fail('in string literal');
      if (c === '\\') {
        this.pos++;
        const e = this.peek();
        if (e === 'u') {
          for (let i = 0; i < 4; i++) {
            this.pos++;
            if (!/[0-9a-fA-F]/.test(this.peek())) this.fail('in \\u hexadecimal character escape');
          }
        } else if (!'"\\/bfnrt'.includes(e)) {
          this.fail('in string escape code');
        }
      }
      this.pos++;
    }
  }

  private number(): number {
    const start = this.pos;
    if (this.peek() === '-') {
      this.pos++;
      if (!isDigit(this.peek())) this.fail('in numeric literal');
    }
    if (this.peek() === '0') this.pos++;
    else while (!this.atEnd() && isDigit(this.text[this.pos]!)) this.pos++;
    if (!this.atEnd() && this.text[this.pos] === '.') {
      this.pos++;
      if (!isDigit(this.peek())) this.fail('after decimal point in numeric literal');
      while (!this.atEnd() && isDigit(this.text[this.pos]!)) this.pos++;
    }
    if (!this.atEnd() && (this.text[this.pos] === 'e' || this.text[this.pos] === 'E')) {
      this.pos++;
      if (this.peek() === '+' || this.peek() === '-') this.pos++;
      if (!isDigit(this.peek())) this.fail('in exponent of numeric literal');
      while (!this.atEnd() && isDigit(this.text[this.pos]!)) this.pos++;
    }
    return Number(this.text.slice(start, this.pos));
  }

  private literal<T>(word: string, v: T): T {
    for (let i = 0; i < word.length; i++) {
      if (this.peek() !== word[i]) this.fail(`in literal ${word} (expecting ${quoteChar(word[i]!)})`);
      this.pos++;
    }
    return v;
  }
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

const GO_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '\\': '\\\\' };

/** Go's quoteChar: the character in single quotes, escaped like strconv.Quote. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const escaped = GO_ESCAPES[c] ?? (c < ' ' || c === '\x7f' ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c);
  return `'${escaped}'`;
}

/** What Go names a JSON value's kind in "cannot unmarshal <kind> into ...". */
export function goJsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : `number ${v}`;
  return typeof v === 'boolean' ? 'bool' : 'string';
}
