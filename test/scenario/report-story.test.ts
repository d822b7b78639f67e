/**
 * damage-story.ts on run records whose truth the test wrote: which pool race belongs to which
 * damaged connection (the pool numbers connections its own way), what the bad header's bytes
 * were for each shape of race, the streams taken down SSE first — and that the terminal table,
 * the summary (--json) and the HTML page tell the same lines. Real runs meet it in
 * compare.test.ts and test/browser/report.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, errorCodeName, FrameType } from '../../h2/frame/constants.js';
import { damageStories, type DamageStory } from '../../scenario/damage-story.js';
import { renderHtmlReport } from '../../scenario/report-html.js';
import { esc } from '../../scenario/report-timeline.js';
import { formatTable } from '../../scenario/report-table.js';
import { summarize } from '../../scenario/summary.js';
import { FrameTap } from '../../scenario/frame-tap.js';
import type { ConnectionRecord, PoolRaceRecord, RunRecord, StreamRecord, UnparsableFrameRecord } from '../../scenario/types.js';
import { lateResetThenOversized, OVERSIZED } from './late-reset-bytes.js';
import { runRecord } from './run-record.js';

function stream(connection: number, streamId: number, kind: StreamRecord['kind'], fields: Partial<StreamRecord>): StreamRecord {
  const path = kind === 'video' ? '/video' : kind === 'events' ? '/events' : '/small';
  return { seq: streamId, viewer: connection, connection, streamId, kind, path, startMs: 0, bytes: 0, wireBytes: 0, cancelledByUs: false, corruptBytes: 0, ...fields };
}

const died = { outcome: 'failed', fault: 'collateral', error: 'client GOAWAY FRAME_SIZE_ERROR', endMs: 900 } as const;

function race(atMs: number, proxyConnection: number, pending: [number, number, number], reusedFor: [number, number, number], takerConnection = proxyConnection): PoolRaceRecord {
  return {
    atMs,
    pending: { connection: proxyConnection, streamId: pending[0], frameType: pending[1], length: pending[2] },
    reusedFor: { connection: takerConnection, streamId: reusedFor[0], frameType: reusedFor[1], length: reusedFor[2] },
  };
}

/**
 * Two viewers; viewer 1's connection breaks at 900 ms (its client's GOAWAY `goawayCode`) after we
 * cancelled its stream 3 at 100 ms, the relay having passed `unparsableFrames` to it.
 */
function run(unparsableFrames: UnparsableFrameRecord[], races: PoolRaceRecord[], goawayCode: number = ErrorCode.FRAME_SIZE_ERROR): RunRecord {
  const connections: ConnectionRecord[] = [
    { id: 1, viewer: 1, openedMs: 0, closedMs: 905, endedBy: `client GOAWAY ${errorCodeName(goawayCode)}`, unparsableFrames },
    { id: 2, viewer: 2, openedMs: 0 },
  ];
  return runRecord({
    mode: 'release-on-reset',
    viewers: 2,
    connections,
    streams: [
      stream(1, 1, 'events', died),
      stream(1, 3, 'video', { outcome: 'cancelled', cancelledByUs: true, endMs: 100, rangeStart: 0, bytes: 1000, wireBytes: 50_000 }),
      stream(1, 5, 'small', died),
      stream(1, 7, 'video', { ...died, rangeStart: 4096 }),
      stream(2, 1, 'events', { outcome: 'stopped', bytes: 300, wireBytes: 300 }),
      stream(2, 3, 'video', { outcome: 'cancelled', cancelledByUs: true, endMs: 500, bytes: 10, wireBytes: 10 }),
      stream(2, 5, 'video', { outcome: 'completed', bytes: 2000, wireBytes: 2000 }),
    ],
    goaways: [{ connection: 1, side: 'client', code: goawayCode, lastStreamId: 0, atMs: 900, lastInboundFrame: 'PING stream=0 length=8 flags=0x0' }],
    sse: { ...runRecord().sse, events: 3 },
    races,
  });
}

const oversized: UnparsableFrameRecord = {
  atMs: 880, type: 0x28, flags: 0, length: 8_331_436, streamId: 1_390_042_606, bytesHex: '7f20ac28005ed9a0ee', kind: 'framing', problem: 'exceeds SETTINGS_MAX_FRAME_SIZE 16384',
};

describe('damage stories', () => {
  it("tells the broken connection's story in order, with the race on the proxy connection that follows its cancels", () => {
    const races = [
      // Proxy connection 8: stream 3 reset at 500 ms — viewer 2's cancel, not viewer 1's damage (after its break).
      race(950, 8, [3, FrameType.DATA, 16_393], [5, FrameType.DATA, 16_393]),
      // Proxy connection 7: stream 3's pending DATA frame lost its buffer to stream 1's 40-byte SSE event, 20 ms after our cancel.
      race(120, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40]),
      race(130, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40]),
      // Before any cancel of stream 3: not a consequence of it.
      race(50, 9, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40]),
    ];
    const [story, ...others] = damageStories(run([oversized], races));
    expect(others).toEqual([]);
    expect(story!.connection).toBe(1);
    expect(story!.cancel).toEqual({ streamId: 3, kind: 'video', path: '/video', rangeStart: 0, atMs: 100 });
    expect(story!.race).toMatchObject({ atMs: 120, pending: { streamId: 3, frameType: 'DATA', length: 16_393 }, reusedFor: { streamId: 1, length: 40, sameConnection: true } });
    expect(story!.lines.map((l) => [l.step, l.atMs])).toEqual([['cancel', 100], ['race', 120], ['unparsable-frame', 880], ['goaway', 900], ['taken-down', undefined]]);
    const text = story!.lines.map((l) => l.text);
    expect(text[1]).toBe(
      "the proxy's pool handed the buffer of stream 3's pending DATA frame (16393 B, not yet written) to stream 1's DATA frame (40 B); " +
        "the pending write then carried stream 1's DATA frame (40 B), then the 16353 bytes left over from stream 3's frame, which the client reads as the next frame header",
    );
    expect(text[2]).toBe(
      'the client received a frame header declaring type UNKNOWN(0x28), length 8 331 436, stream 1 390 042 606 (bytes 7f 20 ac 28 00 5e d9 a0 ee): exceeds SETTINGS_MAX_FRAME_SIZE 16384. ' +
        "What they were: most likely stale bytes of the DATA payload of stream 3 (from its byte 31), sent after stream 1's frame out of the reused buffer",
    );
    expect(text[3]).toBe('the client answered GOAWAY FRAME_SIZE_ERROR (last stream 0) and closed the connection');
    expect(text[4]).toBe('streams nobody cancelled died with it: SSE stream 1 (/events), video stream 7 (/video bytes=4096-), small stream 5 (/small)');
  });

  it("says what the bad header's bytes were for each shape of race, and when the relay saw no bad header", () => {
    const foreign: UnparsableFrameRecord = { ...oversized, type: FrameType.DATA, length: 16_384, streamId: 19, bytesHex: '004000000000000013', kind: 'protocol', problem: 'on stream 19, which the client never opened (its highest is 7)' };
    const cut = damageStories(run([oversized], [race(120, 7, [3, FrameType.DATA, 49], [5, FrameType.HEADERS, 16_393], 4)]))[0]!;
    expect(cut.unparsableFrame!.whatItWas).toBe("bytes from the middle of a later frame: stream 5's frame was cut at 49 of its 16393 bytes");
    // The taker is on another connection: named so, since its stream id may equal the pending one's.
    expect(cut.lines[1]!.text).toBe(
      "the proxy's pool handed the buffer of stream 3's pending DATA frame (49 B, not yet written) to another connection's stream 5's HEADERS frame (16393 B); " +
        "the pending write then carried the first 49 bytes of another connection's stream 5's 16393-byte frame: the client reads the following frames' bytes as the rest of it",
    );
    const same = damageStories(run([oversized], [race(120, 7, [3, FrameType.DATA, 100], [5, FrameType.HEADERS, 100])]))[0]!;
    expect(same.unparsableFrame!.whatItWas).toBe("stream 5's HEADERS frame, sent a second time in stream 3's place");
    const other = damageStories(run([foreign], [race(120, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40])], ErrorCode.PROTOCOL_ERROR))[0]!;
    expect(other.unparsableFrame!.whatItWas).toBe("a well-formed DATA frame header this connection could not take: most likely another stream's or connection's frame, written from a buffer the pool shared");
    // Of two races on the connection, the one whose taker is the foreign header's stream is the one the client saw.
    const fits = damageStories(run([foreign], [race(120, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40]), race(140, 7, [3, FrameType.DATA, 16_393], [19, FrameType.DATA, 16_393], 5)], ErrorCode.PROTOCOL_ERROR))[0]!;
    expect(fits.race).toMatchObject({ atMs: 140, reusedFor: { streamId: 19, sameConnection: false } });
    expect(fits.unparsableFrame!.whatItWas).toBe("another connection's stream 19's DATA frame, sent by stream 3's pending write out of the buffer the pool had given to both");
    // No bad header: the framing held, so the same-length taker fits.
    const framingHeld = damageStories(run([], [race(120, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40]), race(140, 7, [3, FrameType.DATA, 16_393], [5, FrameType.DATA, 16_393], 5)]))[0]!;
    expect(framingHeld.race!.atMs).toBe(140);
    const noRace = damageStories(run([oversized], []))[0]!;
    expect(noRace.race).toBeUndefined();
    expect(noRace.cancel?.streamId).toBe(3);
    expect(noRace.unparsableFrame!.whatItWas).toBe('not a header the server meant to send: stale or misplaced bytes');
    const noBadHeader = damageStories(run([], []))[0]!;
    expect(noBadHeader.lines.find((l) => l.step === 'unparsable-frame')!.text).toMatch(/^no frame header the relay passed broke a rule it checks \(the last before the GOAWAY: PING stream=0 length=8 flags=0x0\)/);
  });

  it("names the header whose kind the client's GOAWAY code answers, from the tap's verdicts on real frames", () => {
    // What the relay's tap reports on the bytes of the run that failed compare.test once, as the
    // viewer's connection records it (viewer-connection.ts): the headers at 860 and 870 ms, the
    // client's reset of stream 5 (after its DATA) at 880.
    const { fromClient, fromTarget } = lateResetThenOversized();
    const seen: UnparsableFrameRecord[] = [];
    const tap = new FrameTap({
      onUnparsableFrame: ({ header, bytesHex, kind, problem }) => seen.push({ atMs: 860 + 10 * seen.length, ...header, bytesHex, kind, problem }),
      onStreamStateExcused: (streamId) => (seen.find((f) => f.streamId === streamId)!.excusedAtMs = 880),
      onClientGoaway: () => {},
    });
    tap.fromClient(fromClient[0]!);
    tap.fromTarget(fromTarget);
    tap.fromClient(fromClient[1]!);
    const [dataFirst, oversizedAfter] = seen;
    expect(dataFirst!.kind).toBe('stream-state');
    expect(dataFirst!.excusedAtMs).toBe(880);
    // The same DATA had the client's reset not gone by before its GOAWAY (nghttp2 drops a queued RST_STREAM once it ends the connection).
    const { excusedAtMs: _, ...unexcused } = dataFirst!;
    const races = [race(120, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40])];

    // FRAME_SIZE_ERROR: the oversized header, though the DATA before HEADERS came first; the DATA told as what the client ignored.
    const frameSize = damageStories(run(seen, races))[0]!;
    expect(frameSize.unparsableFrame).toMatchObject({ atMs: 870, type: 'UNKNOWN(0x28)', bytesHex: OVERSIZED.toString('hex'), problem: 'exceeds SETTINGS_MAX_FRAME_SIZE 16384' });
    expect(frameSize.otherBadFrames).toEqual([
      { atMs: 860, type: 'DATA', length: 100, streamId: 5, bytesHex: '000064000000000005', kind: 'stream-state', problem: 'DATA on stream 5 before its response HEADERS', excusedAtMs: 880 },
    ]);
    expect(frameSize.lines.map((l) => l.step)).toEqual(['cancel', 'race', 'unparsable-frame', 'goaway', 'taken-down']);
    expect(frameSize.lines[2]!.text).toBe(
      'the client received a frame header declaring type UNKNOWN(0x28), length 8 331 436, stream 1 591 320 814 (bytes 7f 20 ac 28 00 5e d9 a0 ee): exceeds SETTINGS_MAX_FRAME_SIZE 16384. ' +
        "What they were: most likely stale bytes of the DATA payload of stream 3 (from its byte 31), sent after stream 1's frame out of the reused buffer. " +
        'The relay also passed a header declaring type DATA, length 100, stream 5 (bytes 00 00 64 00 00 00 00 00 05): DATA on stream 5 before its response HEADERS ' +
        '(the client ignored it: it had already reset stream 5, and its RST_STREAM passed the relay after the DATA)',
    );
    // Without the reset seen, the same oversized header, and the DATA told as what the client may have ignored.
    expect(damageStories(run([unexcused, oversizedAfter!], races))[0]!.lines[2]!.text).toMatch(
      /exceeds SETTINGS_MAX_FRAME_SIZE 16384\..*\(the client ignores that on a stream it had already reset, its RST_STREAM maybe still on the way, and answers GOAWAY PROTOCOL_ERROR otherwise\)$/,
    );

    // Only the DATA before HEADERS went by: it cannot explain a FRAME_SIZE_ERROR, and the story says that is all the relay saw.
    const onlyData = damageStories(run([unexcused], races))[0]!;
    expect(onlyData.unparsableFrame).toBeUndefined();
    expect(onlyData.lines.find((l) => l.step === 'unparsable-frame')!.text).toBe(
      "no frame header the relay passed explains the client's GOAWAY FRAME_SIZE_ERROR: it saw only a header declaring type DATA, length 100, stream 5 (bytes 00 00 64 00 00 00 00 00 05): " +
        'DATA on stream 5 before its response HEADERS (the client ignores that on a stream it had already reset, its RST_STREAM maybe still on the way, and answers GOAWAY PROTOCOL_ERROR otherwise) ' +
        '(the last header before the GOAWAY: PING stream=0 length=8 flags=0x0); the bad bytes that broke the connection were inside a frame or made a frame the stream\'s state forbids',
    );
    // PROTOCOL_ERROR: nghttp2's answer to DATA on a stream still waiting for its HEADERS.
    expect(damageStories(run([unexcused], races, ErrorCode.PROTOCOL_ERROR))[0]!.unparsableFrame?.problem).toBe('DATA on stream 5 before its response HEADERS');
    // The client's reset of stream 5 went by afterwards: it had ignored that DATA, which then explains nothing.
    const excused = damageStories(run([dataFirst!], races, ErrorCode.PROTOCOL_ERROR))[0]!;
    expect(excused.unparsableFrame).toBeUndefined();
    expect(excused.lines.find((l) => l.step === 'unparsable-frame')!.text).toContain(
      'DATA on stream 5 before its response HEADERS (the client ignored it: it had already reset stream 5, and its RST_STREAM passed the relay after the DATA)',
    );
    // PROTOCOL_ERROR with a header refused whatever the stream's state: that one, the surer culprit.
    const foreign: UnparsableFrameRecord = { ...oversizedAfter!, atMs: 880, type: FrameType.DATA, length: 10, streamId: 19, bytesHex: '00000a000000000013', kind: 'protocol', problem: 'on stream 19, which the client never opened (its highest is 7)' };
    expect(damageStories(run([unexcused, foreign], races, ErrorCode.PROTOCOL_ERROR))[0]!.unparsableFrame?.streamId).toBe(19);
    // COMPRESSION_ERROR: no header explains it (the bad bytes were inside a header block).
    expect(damageStories(run(seen, races, ErrorCode.COMPRESSION_ERROR))[0]!.unparsableFrame).toBeUndefined();
  });

  it('goodput counts what was wanted, wasted what the server sent for cancelled and broken streams; table, JSON and page say the same', () => {
    const record = run([oversized], [race(120, 7, [3, FrameType.DATA, 16_393], [1, FrameType.DATA, 40])]);
    const summary = summarize(record, 2);
    // Wanted: viewer 2's SSE (stopped, 300) and completed video (2000) over 2 s.
    expect(summary.goodputBytesPerSec).toBe(1150);
    // Cancelled: 50 000 sent (the client took 1 000) + 10; broken: nothing arrived.
    expect(summary.wastedBytes).toBe(50_010);
    // cable: 5 Mbit/s per viewer's link.
    expect(summary.capacityBytesPerSec).toBe(2 * 625_000);
    expect(summary.damagedConnections).toBe(1);
    const table = formatTable([summary]);
    expect(table).toMatch(/goodput\s+link capacity\s+wasted/);
    expect(table).toMatch(/0\.01 Mbit\/s\s+10\.00 Mbit\/s\s+48\.8 KiB/);
    expect(table).toContain('    first damaged connection: viewer 1, connection 1:');
    const html = renderHtmlReport([{ summary, record }]);
    for (const line of summary.damage[0]!.lines) {
      expect(table).toContain(line.text);
      expect(html).toContain(line.text.replace(/'/g, '&#39;'));
    }
    expect(JSON.parse(JSON.stringify(summary)).damage[0].lines).toEqual(summary.damage[0]!.lines);
    expect(html).toContain('href="#run0-conn1"');
    expect(html).toContain('id="run0-conn1"');
    // The legend holds exactly the marks drawn: no origin error, no corrupted byte, no server GOAWAY here.
    const legend = [...html.matchAll(/<span class="key" data-mark="([^"]+)"/g)].map((m) => m[1]).sort();
    const drawn = [...new Set([...html.matchAll(/<g data-mark="([^"]+)"/g)].map((m) => m[1]))].sort();
    expect(legend).toEqual(drawn);
    expect(legend).toEqual(['m-cancel', 'm-goaway-client', 'm-race', 'm-unparsable', 'o-cancelled', 'o-collateral', 'o-completed', 'o-stopped']);
  });

  it('tells a stall (the window-leak symptom) and wrong content (the desync symptom), where nothing died', () => {
    const stalledFrom = { outcome: 'stopped', endMs: 8000 } as const;
    const record: RunRecord = {
      ...run([], []),
      mode: 'window-leak-on-reset',
      durationMs: 8000,
      stallAfterMs: 5000,
      connections: [{ id: 1, viewer: 1, openedMs: 0 }, { id: 2, viewer: 2, openedMs: 0 }],
      goaways: [],
      streams: [
        stream(1, 3, 'video', { outcome: 'cancelled', cancelledByUs: true, endMs: 2500, rangeStart: 0, bytes: 1000, wireBytes: 60_000 }),
        // The video stalled first, the SSE stream a moment later: the SSE stream is told first.
        stream(1, 5, 'video', { ...stalledFrom, rangeStart: 4096, stall: { sinceMs: 2900, detectedMs: 7950, pingMs: 3.2 } }),
        stream(1, 1, 'events', { ...stalledFrom, stall: { sinceMs: 3000, detectedMs: 8000, pingMs: 3.2 } }),
        stream(2, 1, 'events', { outcome: 'stopped', bytes: 300, wireBytes: 300 }),
        stream(2, 7, 'headers', { outcome: 'completed', path: '/headers', endMs: 1200, wrongContent: 'x-burst-id: sent "v3", the origin got "v2"' }),
        // A request the server misread and reset (fault.ts): wrong content, and taken down.
        stream(2, 9, 'small', { outcome: 'failed', fault: 'collateral', endMs: 1500, error: 'wrong content: RST_STREAM PROTOCOL_ERROR from server for a well-formed request' }),
      ],
    };
    const stories = damageStories(record);
    expect(stories.map((s) => s.connection)).toEqual([2, 1]);
    const [wrong, stalled] = stories as [DamageStory, DamageStory];
    expect(stalled.lines).toEqual([
      { step: 'cancel', atMs: 2500, text: 'we cancelled video stream 3 (/video bytes=0-) (RST_STREAM CANCEL)' },
      { step: 'stall', atMs: 3000, text: 'SSE stream 1 (/events) got no byte for 5.0 s while its connection answered PING in 3 ms; 1 more stream on it stalled too' },
    ]);
    expect(wrong.lines).toEqual([
      { step: 'wrong-content', atMs: 1200, text: 'header-set stream 7 (/headers) came back wrong: x-burst-id: sent "v3", the origin got "v2"; 1 more stream on it came back wrong' },
      { step: 'taken-down', text: 'streams nobody cancelled died with it: small stream 9 (/small)' },
    ]);
    const misread = damageStories({ ...record, streams: record.streams.filter((s) => s.streamId === 9) })[0]!;
    expect(misread.lines[0]).toEqual({ step: 'wrong-content', atMs: 1500, text: 'small stream 9 (/small) came back wrong: RST_STREAM PROTOCOL_ERROR from server for a well-formed request' });
    const summary = summarize(record, 2);
    expect(summary.damagedConnections).toBe(2);
    expect(summary.wrongContentStreams).toBe(2);
    const table = formatTable([summary]);
    const html = renderHtmlReport([{ summary, record }]);
    // The page and the table tell the first damaged connection's story.
    expect(summary.damage[0]).toEqual(wrong);
    expect(html).toContain(esc(wrong.lines[0]!.text));
    expect(table).toContain(wrong.lines[0]!.text);
    expect(JSON.parse(JSON.stringify(summary)).damage[1].lines).toEqual(stalled.lines);
  });
});
