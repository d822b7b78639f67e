/** h2spec http2/5_1_2_stream_concurrency.go — RFC 7540 §5.1.2: one stream more than the server allows. */
import { ErrorCode, SettingId } from '../../../h2/frame/constants.js';
import { Skipped, commonHeaders, type SpecGroup } from '../spec.js';
import { verifyStreamError } from '../verify.js';

/**
 * h2spec opens SETTINGS_MAX_CONCURRENT_STREAMS + 1 streams whatever the value; a port that must
 * finish stops at this many (stream identifiers run out at 2^30 requests anyway).
 */
const MOST_STREAMS_OPENED = 10_000;

export const streamConcurrency: SpecGroup = {
  key: 'http2',
  section: '5.1.2',
  name: 'Stream Concurrency',
  cases: [
    {
      desc: 'Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded',
      requirement: 'The endpoint MUST treat this as a stream error of type PROTOCOL_ERROR or REFUSED_STREAM.',
      async run(conn, c) {
        await conn.handshake();
        const maxStreams = conn.settings.get(SettingId.MAX_CONCURRENT_STREAMS);
        if (maxStreams === undefined) throw new Skipped('the server advertises no SETTINGS_MAX_CONCURRENT_STREAMS (unlimited)');
        if (maxStreams >= MOST_STREAMS_OPENED) {
          throw new Error(`the server allows ${maxStreams} concurrent streams; this port opens at most ${MOST_STREAMS_OPENED}`);
        }
        // INITIAL_WINDOW_SIZE 0 keeps the server from closing the streams.
        conn.writeSettings([SettingId.INITIAL_WINDOW_SIZE, 0]);
        const block = conn.encodeHeaders(commonHeaders(c));
        for (let i = 0; i <= maxStreams; i++) conn.writeHeaders({ streamId: 1 + 2 * i, endStream: true, endHeaders: true, block });
        await verifyStreamError(conn, ErrorCode.PROTOCOL_ERROR, ErrorCode.REFUSED_STREAM);
      },
    },
  ],
};
