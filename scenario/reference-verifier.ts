/**
 * Verifies bodies from any origin by fetching the same bytes again over a separate, quiet
 * connection (ideally straight to the origin, bypassing the proxy under test) and comparing:
 * HTTP/1.1 for http:// and https:// references (any origin speaks it), h2 for h2c:// ones.
 * Ranged bodies are re-fetched as the same range; whole bodies (small requests) are fetched once
 * per path and kept. Fetches run a few at a time, so verification never floods the reference.
 *
 * Lifecycle: the verifier owns its reference session (opened lazily, reopened if it dies);
 * close() ends it.
 */
import http from 'node:http';
import type http2 from 'node:http2';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { openSession, parseTarget } from './client-session.js';
import type { ContentVerifier, Mismatch } from './verifier.js';

export interface ReferenceOptions {
  /** Base URL to fetch from: https://, h2c:// (the origin itself is the best reference). */
  url: string;
  ca?: string;
  /** Fetches in flight at once (default 4). */
  concurrency?: number;
}

const BLOCK_BYTES = 256 * 1024;
const MAX_WHOLE_BODY = 16 * 1024 * 1024;

export class ReferenceVerifier implements ContentVerifier {
  readonly blockBytes = BLOCK_BYTES;
  private session: http2.ClientHttp2Session | undefined;
  private readonly wholeBodies = new Map<string, Promise<Buffer>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;

  /** HTTP/1.1 keep-alive agent for http:// and https:// references; h2c:// ones use a session. */
  private readonly agent: http.Agent | undefined;

  constructor(private readonly opts: ReferenceOptions) {
    const url = parseTarget(opts.url, 'reference');
    this.concurrency = opts.concurrency ?? 4;
    const agentOptions = { keepAlive: true, maxSockets: this.concurrency };
    if (url.protocol === 'http:') this.agent = new http.Agent(agentOptions);
    if (url.protocol === 'https:') {
      this.agent = new https.Agent({ ...agentOptions, ca: opts.ca, rejectUnauthorized: opts.ca !== undefined });
    }
  }

  async verifyBody(path: string, offset: number, data: Buffer, ranged: boolean): Promise<Mismatch> {
    if (!ranged) {
      let whole = this.wholeBodies.get(path);
      if (!whole) {
        whole = this.fetch(path, undefined);
        this.wholeBodies.set(path, whole);
      }
      return compare(data, (await whole).subarray(offset, offset + data.length));
    }
    const expected = await this.fetch(path, `bytes=${offset}-${offset + data.length - 1}`);
    return compare(data, expected);
  }

  verifyEvent(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    this.agent?.destroy();
    this.session?.destroy();
    this.session = undefined;
  }

  private async fetch(path: string, range: string | undefined): Promise<Buffer> {
    await this.slot();
    try {
      return await this.get(path, range);
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private slot(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running++;
        resolve();
      }),
    );
  }

  private get(path: string, range: string | undefined): Promise<Buffer> {
    const what = `${path}${range ? ` (${range})` : ''}`;
    const wanted = range ? 206 : 200;
    const headers: Record<string, string> = range ? { range } : {};
    if (this.agent) {
      const agent = this.agent;
      return new Promise((resolve, reject) => {
        const req = (agent instanceof https.Agent ? https : http).request(new URL(path, this.opts.url), { headers, agent }, (res) =>
          void collect(res, res.statusCode ?? 0, wanted, what).then(resolve, reject),
        );
        req.once('error', reject);
        req.end();
      });
    }
    if (!this.session || this.session.closed || this.session.destroyed) {
      this.session = openSession({ url: this.opts.url, ca: this.opts.ca });
      this.session.on('error', () => {});
    }
    const stream = this.session.request({ ':path': path, ...headers });
    return new Promise((resolve, reject) => {
      stream.once('response', (h) => void collect(stream, Number(h[':status']), wanted, what).then(resolve, reject));
      stream.once('error', reject);
    });
  }
}

/** The whole body of a response with the wanted status, bounded in size. */
function collect(body: Readable, status: number, wanted: number, what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (status !== wanted) {
      body.resume();
      reject(new Error(`reference answered ${status} to ${what}`));
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    body.on('data', (c: Buffer) => {
      length += c.length;
      if (length > MAX_WHOLE_BODY) body.destroy(new Error(`reference body of ${what} exceeds ${MAX_WHOLE_BODY} bytes`));
      else chunks.push(c);
    });
    body.once('end', () => resolve(Buffer.concat(chunks, length)));
    body.once('error', reject);
  });
}

/** Differences between what arrived and what the reference holds; missing reference bytes count too. */
function compare(got: Buffer, expected: Buffer): Mismatch {
  let count = 0;
  let first = -1;
  for (let i = 0; i < got.length; i++) {
    if (i >= expected.length || got[i] !== expected[i]) {
      count++;
      if (first < 0) first = i;
    }
  }
  return { count, first };
}
