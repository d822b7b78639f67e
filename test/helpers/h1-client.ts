/** HTTP/1.1 client helper for tests (https trusting the test cert, or plain http). */
import * as http from 'node:http';
import * as https from 'node:https';
import { testCert } from './tls-cert.js';

export interface H1Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  trailers: NodeJS.Dict<string>;
}

export async function h1Request(
  base: string,
  path: string,
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: Buffer; trailers?: Record<string, string>; agent?: http.Agent } = {},
): Promise<H1Response> {
  const { cert } = await testCert();
  const url = new URL(path, base);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: opts.method ?? (opts.body ? 'POST' : 'GET'),
      headers: opts.headers,
      ca: cert,
      agent: opts.agent ?? false,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), trailers: res.trailers }));
      res.once('error', reject);
    });
    req.once('error', reject);
    if (opts.trailers) req.addTrailers(opts.trailers);
    req.end(opts.body);
  });
}
