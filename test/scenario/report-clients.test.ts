/**
 * The terminal table and the HTML report name the events stream as the run's clients call it: a
 * gRPC run's delay and count columns, facts and explanations speak of the Watch call's messages
 * and never of SSE; a browser run's of SSE events.
 */
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../scenario/report-html.js';
import { formatTable } from '../../scenario/report-table.js';
import { summarize } from '../../scenario/summary.js';
import type { RunRecord, StreamRecord } from '../../scenario/types.js';
import { runRecord } from './run-record.js';

function stream(streamId: number, kind: StreamRecord['kind'], path: string, fields: Partial<StreamRecord>): StreamRecord {
  return { seq: streamId, viewer: 1, connection: 1, streamId, kind, path, startMs: 0, bytes: 0, wireBytes: 0, cancelledByUs: false, corruptBytes: 0, ...fields };
}

function run(clients: 'browser' | 'grpc'): RunRecord {
  const paths = clients === 'grpc' ? { events: '/h2race.Demo/Watch', video: '/h2race.Demo/Fetch' } : { events: '/events', video: '/video' };
  return runRecord({
    clients,
    streams: [
      stream(1, 'events', paths.events, { outcome: 'stopped', bytes: 300, wireBytes: 300 }),
      stream(3, 'video', paths.video, { outcome: 'cancelled', cancelledByUs: true, endMs: 500, bytes: 10, wireBytes: 10 }),
    ],
    sse: { events: 12, gaps: 0, reconnects: 1, badEvents: 0, maxSilenceMs: 250, silentStreams: 1, delaysMs: [110, 120, 480], delaySource: 'stamp' },
  });
}

describe('report words by client kind', () => {
  it('a gRPC run: Watch messages in the table and the page, no SSE anywhere', () => {
    const record = run('grpc');
    const summary = summarize(record);
    const table = formatTable([summary]);
    expect(table.split('\n')[0]).toContain('Watch delay p50/p99');
    expect(table.split('\n')[0]).toContain('Watch msg/gap/re');
    expect(table).not.toContain('SSE');
    const html = renderHtmlReport([{ summary, record }]);
    expect(html).toContain('<th>Watch delay p50/p99</th>');
    expect(html).toContain('<th>Watch messages / gaps / reconnects</th>');
    expect(html).toContain('Watch message delay p50/p99:');
    expect(html).toContain('<b>Watch delay</b>: how late messages arrived');
    expect(html).toContain('1 streams delivered no message');
    expect(html).not.toContain('SSE');
  });

  it('a browser run: SSE events', () => {
    const record = run('browser');
    const summary = summarize(record);
    expect(formatTable([summary]).split('\n')[0]).toContain('SSE delay p50/p99');
    const html = renderHtmlReport([{ summary, record }]);
    expect(html).toContain('<th>SSE delay p50/p99</th>');
    expect(html).toContain('<th>SSE events / gaps / reconnects</th>');
    expect(html).toContain('SSE event delay p50/p99:');
    expect(html).toContain('<b>SSE delay</b>: how late events arrived');
    expect(html).not.toContain('Watch');
  });
});
