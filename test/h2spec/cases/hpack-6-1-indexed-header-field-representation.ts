/** h2spec hpack/6_1_indexed_header_field_representation.go — RFC 7541 §6.1: index 0. */
import type { SpecGroup } from '../spec.js';
import { bytes, commonBlockWith, decodingErrorCase } from '../steps.js';

export const indexedHeaderFieldRepresentation: SpecGroup = {
  key: 'hpack',
  section: '6.1',
  name: 'Indexed Header Field Representation',
  cases: [decodingErrorCase('Sends a indexed header field representation with index 0', commonBlockWith(bytes('\x80')))],
};
