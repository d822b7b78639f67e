/** h2load's text output and request log, as nghttp2 1.52 prints them, turned into numbers. */
import { describe, expect, it } from 'vitest';
import { parseH2loadSummary, summariseLatencyLog } from '../../bench/h2load.js';
import { median } from '../../bench/summary.js';

const OUTPUT = `starting benchmark...
spawning thread #0: 4 total client(s). 2000 total requests
TLS Protocol: TLSv1.3
Cipher: TLS_AES_128_GCM_SHA256
Server Temp Key: X25519 253 bits
Application protocol: h2
progress: 10% done
progress: 100% done

finished in 169.34ms, 11810.49 req/s, 11.76MB/s
requests: 2000 total, 2000 started, 1990 done, 1985 succeeded, 15 failed, 10 errored, 5 timeout
status codes: 1985 2xx, 0 3xx, 0 4xx, 5 5xx
traffic: 1.99MB (2088164) total, 4.00KB (4092) headers (space savings 95.24%), 1.95MB (2048000) data
                     min         max         mean         sd        +/- sd
time for request:      290us     18.93ms      3.24ms      3.06ms    88.60%
`;

describe('h2load output', () => {
  it('reads counts, traffic and duration from the summary', () => {
    const s = parseH2loadSummary(OUTPUT);
    expect(s.durationSec).toBeCloseTo(0.16934, 6);
    expect(s.reqPerSec).toBe(11810.49);
    expect(s.requests).toEqual({ total: 2000, done: 1990, succeeded: 1985, failed: 15, errored: 10, timeout: 5 });
    expect(s.status2xx).toBe(1985);
    expect(s.trafficBytes).toBe(2088164);
    expect(s.dataBytes).toBe(2048000);
    expect(s.dataMBps).toBeCloseTo(2048000 / 0.16934 / 1e6, 6);
    expect(s.protocol).toBe('h2');
  });

  it('reads durations in seconds and microseconds', () => {
    expect(parseH2loadSummary(OUTPUT.replace('169.34ms', '2.5s')).durationSec).toBe(2.5);
    expect(parseH2loadSummary(OUTPUT.replace('169.34ms', '900us')).durationSec).toBeCloseTo(0.0009, 9);
  });

  it('names the missing line when the output is not h2load summary', () => {
    expect(() => parseH2loadSummary('connect: Connection refused\n')).toThrow(/"finished in"/);
    expect(() => parseH2loadSummary(OUTPUT.replace(/^traffic:.*$/m, ''))).toThrow(/"traffic:"/);
  });

  it('takes nearest-rank percentiles of successful requests from the request log', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `1795775688812346\t200\t${(i + 1) * 1000}`);
    lines.push('1795775688812346\t-1\t999999999'); // a failed stream: ignored
    const l = summariseLatencyLog(lines.join('\n') + '\n');
    expect(l.count).toBe(100);
    expect(l.p50Ms).toBe(50);
    expect(l.p99Ms).toBe(99);
    expect(l.maxMs).toBe(100);
    expect(l.meanMs).toBeCloseTo(50.5, 9);
  });

  it('gives NaN, not zero, for an empty log', () => {
    expect(summariseLatencyLog('').p50Ms).toBeNaN();
  });
});

describe('median over rounds', () => {
  it('ignores rounds without a figure', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });
});
