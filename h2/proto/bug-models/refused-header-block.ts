/**
 * What becomes of the header block of a stream the engine refuses (REFUSED_STREAM, over
 * SETTINGS_MAX_CONCURRENT_STREAMS).
 *
 * RFC 9113 §4.3: HPACK state is per connection and a field block must be decoded even when its
 * stream is discarded — the peer's encoder already applied the block's insertions (RFC 7541
 * §6.2.1). `hpack-decode-refused` decodes it and throws the result away (the engine's behaviour);
 * `hpack-drop-refused` is the bug model of sozu-proxy/sozu#1396 (and apache/brpc#3542): the block
 * is dropped undecoded, the decoder's dynamic table falls behind the peer's encoder, and later
 * requests on the connection decode to wrong header values or fail with COMPRESSION_ERROR.
 */
export interface RefusedHeaderBlock {
  readonly name: 'hpack-decode-refused' | 'hpack-drop-refused';
  /** Whether a refused stream's block goes through the decoder. */
  readonly decoded: boolean;
}

export const DECODE_REFUSED: RefusedHeaderBlock = { name: 'hpack-decode-refused', decoded: true };

export const DROP_REFUSED: RefusedHeaderBlock = { name: 'hpack-drop-refused', decoded: false };
