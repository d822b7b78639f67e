/**
 * Huffman decoding (RFC 7541 §5.2) as a state machine that consumes four bits per step.
 *
 * The states are the 256 internal nodes of the code tree (the root is state 0). For each state
 * and nibble, the table built once at module load says where the four bits lead, and whether they
 * completed a symbol on the way (the shortest code has 5 bits, so a nibble completes at most
 * one). A string must not contain EOS, and its last bits must be a prefix of EOS (all ones)
 * shorter than 8 bits: that holds when the walk ends on the all-ones path at depth 0..7.
 */
import { EOS, HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from './huffman-code.js';
import { HpackError } from './hpack-error.js';

/** A transition entry: bits 0-7 the symbol completed, bits 8-15 the next state, then flags. */
const EMITS = 0x10000;
const HITS_EOS = 0x20000;

/** What ending a string in a state means: fine, or which padding rule it breaks. */
const enum Ending {
  Complete = 0,
  PaddingNotOnes = 1,
  PaddingTooLong = 2,
}

interface Machine {
  transitions: Uint32Array;
  endings: Uint8Array;
}

const MACHINE = buildMachine();

function buildMachine(): Machine {
  // children[2 * node + bit]: an internal node's id, or ~symbol for a leaf. Node 0 is the root.
  const children: number[] = [0, 0];
  let nodeCount = 1;
  for (let symbol = 0; symbol <= EOS; symbol++) {
    const code = HUFFMAN_CODES[symbol]!;
    const length = HUFFMAN_CODE_LENGTHS[symbol]!;
    let node = 0;
    for (let bit = length - 1; bit > 0; bit--) {
      const slot = 2 * node + ((code >>> bit) & 1);
      if (children[slot] === 0) {
        children[slot] = nodeCount++;
        children.push(0, 0);
      }
      node = children[slot]!;
    }
    children[2 * node + (code & 1)] = ~symbol;
  }

  const transitions = new Uint32Array(nodeCount * 16);
  for (let state = 0; state < nodeCount; state++) {
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bit = 3; bit >= 0; bit--) {
        const child = children[2 * node + ((nibble >>> bit) & 1)]!;
        if (child >= 0) {
          node = child;
          continue;
        }
        const symbol = ~child;
        if (symbol === EOS) {
          entry = HITS_EOS;
          break;
        }
        entry = EMITS | symbol;
        node = 0;
      }
      transitions[state * 16 + nibble] = entry | (node << 8);
    }
  }

  const endings = new Uint8Array(nodeCount).fill(Ending.PaddingNotOnes);
  let node = 0;
  for (let depth = 0; children[2 * node + 1]! > 0; depth++) {
    endings[node] = depth <= 7 ? Ending.Complete : Ending.PaddingTooLong;
    node = children[2 * node + 1]!;
  }
  return { transitions, endings };
}

/** Output space for the current string; grows to the longest string decoded so far. */
let scratch = Buffer.allocUnsafe(256);

/**
 * Decodes the Huffman string in buf[start, end) as latin1. More than maxLength decoded octets is
 * an HpackError, as are EOS and bad padding.
 */
export function decodeHuffman(buf: Buffer, start: number, end: number, maxLength: number): string {
  // Every code has at least 5 bits, so n input bytes yield at most 8n/5 octets.
  const room = Math.min(Math.floor(((end - start) * 8) / 5), maxLength);
  if (scratch.length < room) scratch = Buffer.allocUnsafe(Math.max(room, scratch.length * 2));
  const out = scratch;
  const { transitions, endings } = MACHINE;
  let state = 0;
  let length = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    let entry = transitions[(state << 4) | (byte >>> 4)]!;
    if (entry >= EMITS) {
      if (entry & HITS_EOS) throw new HpackError('huffman string contains EOS');
      if (length === maxLength) throw new HpackError('string longer than the limit');
      out[length++] = entry & 0xff;
    }
    state = (entry >>> 8) & 0xff;
    entry = transitions[(state << 4) | (byte & 0x0f)]!;
    if (entry >= EMITS) {
      if (entry & HITS_EOS) throw new HpackError('huffman string contains EOS');
      if (length === maxLength) throw new HpackError('string longer than the limit');
      out[length++] = entry & 0xff;
    }
    state = (entry >>> 8) & 0xff;
  }
  switch (endings[state]) {
    case Ending.PaddingNotOnes:
      throw new HpackError('huffman padding not all ones');
    case Ending.PaddingTooLong:
      throw new HpackError('huffman padding longer than 7 bits');
  }
  return out.toString('latin1', 0, length);
}
