/**
 * h2spec generic/5_hpack.go — RFC 7541 §6: every representation a header block may carry. Each
 * case appends (or, for the table size updates, prepends) the Go source's bytes to the common
 * request's block; the server must answer. The descriptions are h2spec's, including where they
 * do not match their bytes (e.g. case 2's "indexed name" is a Huffman-coded new name).
 */
import type { SpecGroup } from '../spec.js';
import { answered, bytes, caseOf, commonBlockWith, requestWithBlock } from '../steps.js';

const accepts = (what: string): string => `The endpoint MUST accept ${what}`;
const incremental = accepts('literal header field with incremental indexing');
const withoutIndexing = accepts('literal header field without indexing');
const neverIndexed = accepts('literal header field never indexed');

/** [description, requirement, representation, where it goes in the block] */
const representations: ReadonlyArray<readonly [string, string, string, 'start' | 'end']> = [
  ['Sends a indexed header field representation', accepts('indexed header field representation'), '\xba', 'end'],
  ['Sends a literal header field with incremental indexing - indexed name', incremental, '\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4', 'end'],
  [
    'Sends a literal header field with incremental indexing - indexed name (with Huffman coding)',
    incremental,
    '\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63',
    'end',
  ],
  ['Sends a literal header field with incremental indexing - new name', incremental, '\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63', 'end'],
  ['Sends a literal header field with incremental indexing - new name (with Huffman coding)', incremental, '\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'end'],
  [
    'Sends a literal header field without indexing - indexed name',
    withoutIndexing,
    '\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63',
    'end',
  ],
  ['Sends a literal header field without indexing - indexed name (with Huffman coding)', withoutIndexing, '\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4', 'end'],
  ['Sends a literal header field without indexing - new name', withoutIndexing, '\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63', 'end'],
  ['Sends a literal header field without indexing - new name (huffman encoded)', withoutIndexing, '\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'end'],
  [
    'Sends a literal header field never indexed - indexed name',
    neverIndexed,
    '\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63',
    'end',
  ],
  ['Sends a literal header field never indexed - indexed name (huffman encoded)', neverIndexed, '\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4', 'end'],
  ['Sends a literal header field never indexed - new name', neverIndexed, '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'end'],
  ['Sends a literal header field never indexed - new name (huffman encoded)', neverIndexed, '\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4', 'end'],
  // The Go encoder after SetMaxDynamicTableSize(128): one size update, 128, opens the block.
  ['Sends a dynamic table size update', accepts('dynamic table size update'), '\x3f\x61', 'start'],
  // Two updates, 128 then 4096.
  ['Sends multiple dynamic table size update', accepts('multiple dynamic table size update'), '\x3f\x61\x3f\xe1\x1f', 'start'],
];

export const hpack: SpecGroup = {
  key: 'generic',
  section: '5',
  name: 'HPACK',
  cases: representations.map(([desc, requirement, rep, at]) => caseOf(desc, requirement, requestWithBlock(commonBlockWith(bytes(rep), at)), answered)),
};
