/** h2spec hpack/5_2_string_literal_representation.go — RFC 7541 §5.2: bad Huffman padding, EOS inside a string. */
import type { SpecGroup } from '../spec.js';
import { bytes, commonBlockWith, decodingErrorCase } from '../steps.js';

export const stringLiteralRepresentation: SpecGroup = {
  key: 'hpack',
  section: '5.2',
  name: 'String Literal Representation',
  cases: [
    // Literal without indexing, new name (x-test: test), with an extra octet of padding.
    decodingErrorCase(
      'Sends a Huffman-encoded string literal representation with padding longer than 7 bits',
      commonBlockWith(bytes('\x00\x85\xf2\xb2\x4a\x84\xff\x84\x49\x50\x9f\xff')),
    ),
    // The same, padded with zeros instead of the EOS prefix.
    decodingErrorCase('Sends a Huffman-encoded string literal representation padded by zero', commonBlockWith(bytes('\x00\x85\xf2\xb2\x4a\x84\xff\x83\x49\x50\x90'))),
    // x-test: tes{EOS}t
    decodingErrorCase(
      'Sends a Huffman-encoded string literal representation containing the EOS symbol',
      commonBlockWith(bytes('\x00\x85\xf2\xb2\x4a\x84\xff\x87\x49\x51\xff\xff\xff\xfa\x7f')),
    ),
  ],
};
