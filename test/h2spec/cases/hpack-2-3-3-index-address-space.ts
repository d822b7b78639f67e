/** h2spec hpack/2_3_3_index_address_space.go — RFC 7541 §2.3.3: indexes beyond both tables. */
import type { SpecGroup } from '../spec.js';
import { bytes, commonBlockWith, decodingErrorCase } from '../steps.js';

export const indexAddressSpace: SpecGroup = {
  key: 'hpack',
  section: '2.3.3',
  name: 'Index Address Space',
  cases: [
    // Indexed header field, index 70.
    decodingErrorCase('Sends a indexed header field representation with invalid index', commonBlockWith(bytes('\xC6'))),
    // Literal with incremental indexing, name index 70, empty value.
    decodingErrorCase('Sends a literal header field representation with invalid index', commonBlockWith(bytes('\x7F\x07\x00'))),
  ],
};
