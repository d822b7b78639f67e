/**
 * How the encoder represents a field that has no exact match to send indexed (RFC 7541 §6.2),
 * following nghttp2's choices: credentials are never indexed, so an intermediary cannot put them
 * in its own table and an attacker cannot probe them by compression ratio (§7.1.3); fields whose
 * values change on almost every message are sent without indexing so they do not evict useful
 * entries; everything else is indexed. Every name with a rule is in the static table, so the
 * rules are kept by static index: finding them costs no lookup beyond the static one.
 */
import { entrySize } from './dynamic-table.js';
import { STATIC_LOOKUP, STATIC_TABLE_LENGTH, type StaticName } from './static-table.js';

export const enum Indexing {
  Incremental,
  Without,
  Never,
}

const enum NameRule {
  None,
  NeverIndexed,
  /** Never indexed when the value is short: a short cookie is guessable (nghttp2's rule). */
  NeverIndexedIfShort,
  NotIndexed,
}

/** nghttp2 never indexes cookie values shorter than this. */
const SHORT_COOKIE_LENGTH = 20;

const RULES = buildRules({
  authorization: NameRule.NeverIndexed,
  'proxy-authorization': NameRule.NeverIndexed,
  cookie: NameRule.NeverIndexedIfShort,
  ':path': NameRule.NotIndexed,
  age: NameRule.NotIndexed,
  'content-length': NameRule.NotIndexed,
  etag: NameRule.NotIndexed,
  'if-modified-since': NameRule.NotIndexed,
  'if-none-match': NameRule.NotIndexed,
  location: NameRule.NotIndexed,
  'set-cookie': NameRule.NotIndexed,
});

function buildRules(byName: Record<string, NameRule>): Uint8Array {
  const rules = new Uint8Array(STATIC_TABLE_LENGTH + 1);
  for (const [name, rule] of Object.entries(byName)) rules[STATIC_LOOKUP.get(name)!.index] = rule;
  return rules;
}

/**
 * The representation for a field, given its static-table name entry (if any) and the table's
 * capacity: a field larger than 3/4 of the capacity would flush most of the table, so it is not indexed.
 */
export function indexingFor(staticName: StaticName | undefined, name: string, value: string, capacity: number): Indexing {
  if (staticName !== undefined) {
    switch (RULES[staticName.index] as NameRule) {
      case NameRule.NeverIndexed:
        return Indexing.Never;
      case NameRule.NeverIndexedIfShort:
        if (value.length < SHORT_COOKIE_LENGTH) return Indexing.Never;
        break;
      case NameRule.NotIndexed:
        return Indexing.Without;
      case NameRule.None:
        break;
    }
  }
  return entrySize(name, value) * 4 > capacity * 3 ? Indexing.Without : Indexing.Incremental;
}

/**
 * Whether every field of this static name goes as a literal without indexing, whatever its value
 * and the table's capacity: no such field is ever in the encoder's dynamic table.
 */
export function alwaysWithoutIndexing(staticName: StaticName): boolean {
  return RULES[staticName.index] === NameRule.NotIndexed;
}
