/**
 * The two ways a header block fails to decode. They ask for different answers, so they are
 * different classes: a malformed block desynchronises the two dynamic tables and kills the
 * connection (COMPRESSION_ERROR, RFC 9113 §4.3), while an oversized header list was decoded in
 * full, keeps the tables in sync and fails only its stream (431, RFC 9113 §10.5.1).
 */

/** Malformed HPACK input. The decoder that threw it must not be used again. */
export class HpackError extends Error {
  constructor(readonly reason: string) {
    super(`HPACK: ${reason}`);
    this.name = 'HpackError';
  }
}

/** The decoded header list exceeds the advertised SETTINGS_MAX_HEADER_LIST_SIZE (RFC 9113 §6.5.2). */
export class HeaderListTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`header list of ${size} bytes exceeds the limit of ${limit}`);
    this.name = 'HeaderListTooLargeError';
  }
}
