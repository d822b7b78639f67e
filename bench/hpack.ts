#!/usr/bin/env node
/**
 * `npm run build && node dist/bench/hpack.js`: micro-benchmark of h2race's HPACK (h2/hpack/).
 * Blocks of a typical browser request and response, encoded and decoded in sequence on one
 * connection's encoder and decoder (a warm dynamic table, :path changing every time), and the
 * first block of a new connection (every field a literal); and h2load's constant request, all
 * indexed once the table is warm. Prints the median of five rounds.
 * Figures only: speed is measured here, never asserted by a test.
 */
import { HpackDecoder } from '../h2/hpack/decoder.js';
import { HpackEncoder } from '../h2/hpack/encoder.js';

const REQUEST = [
  ':method', 'GET',
  ':scheme', 'https',
  ':authority', 'www.example.com',
  ':path', '/',
  'user-agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-encoding', 'gzip, deflate, br, zstd',
  'accept-language', 'en-US,en;q=0.9',
  'referer', 'https://www.example.com/',
  'cookie', 'session=4f2a9c0d8e7b6a5f4e3d2c1b0a998877; theme=dark',
  'sec-fetch-mode', 'navigate',
];
const RESPONSE = [
  ':status', '200',
  'content-type', 'application/javascript; charset=utf-8',
  'content-length', '1024',
  'cache-control', 'public, max-age=31536000, immutable',
  'date', 'Mon, 21 Oct 2013 20:13:21 GMT',
  'etag', '"5d8c72a5-400"',
  'server', 'h2race-origin',
  'vary', 'accept-encoding',
];
/** What h2load sends: after the first block, every field is an index into the dynamic table. */
const H2LOAD_REQUEST = [':method', 'GET', ':path', '/', ':scheme', 'https', ':authority', '127.0.0.1:8443', 'user-agent', 'h2load nghttp2/1.52.0'];
const PATH_INDEX = REQUEST.indexOf(':path') + 1;
const ETAG_INDEX = RESPONSE.indexOf('etag') + 1;
/** Distinct header lists per sequence: the varying fields cycle through these. */
const SEQUENCE = 1000;

function sequence(base: string[], at: number, value: (i: number) => string): string[][] {
  return Array.from({ length: SEQUENCE }, (_, i) => {
    const list = [...base];
    list[at] = value(i);
    return list;
  });
}

const requests = sequence(REQUEST, PATH_INDEX, (i) => `/assets/chunk-${i}.js?v=${(i * 7919) % 10007}`);
const responses = sequence(RESPONSE, ETAG_INDEX, (i) => `"5d8c72a5-${i.toString(16)}"`);

/** Nanoseconds per operation: the median of five timed rounds of `rounds` sequences each, after a warm-up. */
function measure(run: () => number, rounds: number): number {
  run();
  const results: number[] = [];
  for (let r = 0; r < 5; r++) {
    let ops = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) ops += run();
    results.push(Number(process.hrtime.bigint() - start) / ops);
  }
  return results.sort((a, b) => a - b)[2]!;
}

function encodeAll(lists: string[][], huffman: boolean): () => number {
  const encoder = new HpackEncoder({ huffman });
  const out = Buffer.allocUnsafe(16_384);
  return () => {
    for (const list of lists) encoder.encodeInto(list, out, 9);
    return lists.length;
  };
}

function decodeAll(lists: string[][], huffman: boolean): () => number {
  const encoder = new HpackEncoder({ huffman });
  const blocks = lists.map((list) => encoder.encode(list));
  return () => {
    const decoder = new HpackDecoder(); // the blocks were encoded from an empty table
    for (const block of blocks) decoder.decode(block);
    return blocks.length;
  };
}

function firstBlock(list: string[], huffman: boolean, direction: 'encode' | 'decode'): () => number {
  const block = new HpackEncoder({ huffman }).encode(list);
  const out = Buffer.allocUnsafe(16_384);
  return direction === 'encode'
    ? () => {
        for (let i = 0; i < SEQUENCE; i++) new HpackEncoder({ huffman }).encodeInto(list, out, 0);
        return SEQUENCE;
      }
    : () => {
        for (let i = 0; i < SEQUENCE; i++) new HpackDecoder().decode(block);
        return SEQUENCE;
      };
}

const rows: Array<[string, number]> = [];
const h2loadRequests = Array.from({ length: SEQUENCE }, () => H2LOAD_REQUEST);
rows.push(['h2load request encode, warm table', measure(encodeAll(h2loadRequests, true), 50)]);
rows.push(['h2load request decode, warm table', measure(decodeAll(h2loadRequests, true), 50)]);
for (const huffman of [true, false]) {
  const tag = huffman ? 'huffman' : 'raw';
  rows.push([`request  encode, warm table (${tag})`, measure(encodeAll(requests, huffman), 50)]);
  rows.push([`request  decode, warm table (${tag})`, measure(decodeAll(requests, huffman), 50)]);
  rows.push([`response encode, warm table (${tag})`, measure(encodeAll(responses, huffman), 50)]);
  rows.push([`response decode, warm table (${tag})`, measure(decodeAll(responses, huffman), 50)]);
  rows.push([`request  encode, first block (${tag})`, measure(firstBlock(REQUEST, huffman, 'encode'), 20)]);
  rows.push([`request  decode, first block (${tag})`, measure(firstBlock(REQUEST, huffman, 'decode'), 20)]);
}
console.log(`HPACK, Node ${process.version}: ${REQUEST.length / 2}-field request, ${RESPONSE.length / 2}-field response`);
for (const [label, ns] of rows) {
  console.log(`${label.padEnd(40)} ${ns.toFixed(0).padStart(6)} ns/block  ${(1000 / ns).toFixed(2).padStart(6)} blocks/µs`);
}
