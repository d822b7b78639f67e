/** h2spec hpack/4_2_maximum_table_size.go — RFC 7541 §4.2: a table size update must open the block. */
import type { SpecGroup } from '../spec.js';
import { bytes, commonBlockWith, decodingErrorCase } from '../steps.js';

export const maximumTableSize: SpecGroup = {
  key: 'hpack',
  section: '4.2',
  name: 'Maximum Table Size',
  // A dynamic table size update to 1, after the header fields.
  cases: [decodingErrorCase('Sends a dynamic table size update at the end of header block', commonBlockWith(bytes('\x21')))],
};
