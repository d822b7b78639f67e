/**
 * The encoder's last field at each position of the blocks it writes, and the index it went as:
 * a connection's messages repeat their fields in the same order (a proxy's requests to one origin,
 * an origin's responses), and a field equal to the last one at its position goes as that index
 * again without the two Map lookups of a full search (static name, dynamic entry). For the same
 * string objects the check is two pointer comparisons.
 *
 * The answer is the full search's: a static index depends on the field alone, and a dynamic entry
 * is the only one holding its field while it is in the table (the encoder adds a field only when
 * no entry holds it), so the check is only that the entry was not evicted. Fields the caller
 * marks never-indexed never come here.
 *
 * Lifecycle: one per encoder; nothing to end.
 */
import type { EncoderTable } from './encoder-table.js';
import { STATIC_TABLE_LENGTH } from './static-table.js';

/** Field positions kept (the first 32 fields of a block), and the longest value kept. */
const POSITIONS = 32;
const MAX_VALUE_LENGTH = 256;

/** How a field went: a static index (> 0), a dynamic entry (-1 - its sequence number), or neither (0). */
export type SentAs = number;

export function sentAsDynamic(seq: number): SentAs {
  return -1 - seq;
}

export class RecentFields {
  private readonly names = new Array<string>(POSITIONS).fill('');
  private readonly values = new Array<string>(POSITIONS).fill('');
  private readonly sent = new Int32Array(POSITIONS);

  /** The index (static or dynamic) the field at `position` goes as if it is the last one there, else 0. */
  indexFor(position: number, name: string, value: string, table: EncoderTable): number {
    if (position >= POSITIONS) return 0;
    const sent = this.sent[position]!;
    if (sent === 0 || this.names[position] !== name || this.values[position] !== value) return 0;
    if (sent > 0) return sent;
    const seq = -1 - sent;
    // Evicted since: the full search decides.
    if (seq < table.insertCount - table.length) return 0;
    return STATIC_TABLE_LENGTH + 1 + table.positionOf(seq);
  }

  remember(position: number, name: string, value: string, sent: SentAs): void {
    if (position >= POSITIONS) return;
    if (value.length > MAX_VALUE_LENGTH) sent = 0;
    this.sent[position] = sent;
    // A field that went as neither is not kept: nothing of it is to pin.
    this.names[position] = sent === 0 ? '' : name;
    this.values[position] = sent === 0 ? '' : value;
  }
}
