/**
 * Crafted bytes of one connection as the frame tap sees them (frame-tap.test.ts feeds them to a
 * FrameTap; report-story.test.ts follows them into the damage story).
 */
import { CLIENT_PREFACE, ErrorCode } from '../../h2/frame/constants.js';
import { dataFrame, goawayFrame, headersFrame, rstFrame, settingsFrame } from '../helpers/raw-h2.js';

/** A header declaring an unknown type 0x28, 8 331 436 bytes, on stream 1 591 320 814: stale bytes read as a header. */
export const OVERSIZED = Buffer.from('7f20ac28005ed9a0ee', 'hex');

/**
 * The run that failed compare.test once: the server's DATA on stream 5 passes the relay before
 * the client's RST_STREAM for it (the client had reset it already and ignores the DATA), then
 * stale bytes make an oversized header and the client answers GOAWAY FRAME_SIZE_ERROR.
 */
export function lateResetThenOversized(): { fromClient: Buffer[]; fromTarget: Buffer } {
  const block = Buffer.from([0x82, 0x84, 0x87]);
  return {
    fromClient: [
      Buffer.concat([CLIENT_PREFACE, settingsFrame([]), headersFrame(1, block, { endStream: true }), headersFrame(3, block, { endStream: true }), headersFrame(5, block, { endStream: true })]),
      Buffer.concat([rstFrame(5, ErrorCode.CANCEL), goawayFrame(0, ErrorCode.FRAME_SIZE_ERROR)]),
    ],
    fromTarget: Buffer.concat([
      settingsFrame([]),
      headersFrame(1, Buffer.from([0x88]), { endStream: false }),
      dataFrame(1, Buffer.alloc(40, 1)),
      dataFrame(5, Buffer.alloc(100, 2)),
      OVERSIZED,
      Buffer.alloc(30, 3),
    ]),
  };
}
