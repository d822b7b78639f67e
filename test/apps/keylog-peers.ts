/**
 * The two TLS peers of a key-log test, each logging its own secrets as Node's 'keylog' events
 * give them: an h2 origin (answers every request `200 hello`) and an h2 client whose TLS socket
 * is the test's from its first byte. A session's secrets are the same at both of its ends, so
 * h2race's key log must hold exactly the lines its peers logged.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import { testCert } from '../helpers/tls-cert.js';

export interface KeyLogOrigin {
  url: string;
  lines: string[];
  close(): Promise<void>;
}

export async function startKeyLogOrigin(maxVersion: tls.SecureVersion = 'TLSv1.3'): Promise<KeyLogOrigin> {
  const { cert, key } = await testCert();
  const server = http2.createSecureServer({ cert, key, maxVersion });
  const lines: string[] = [];
  server.on('keylog', (line: Buffer) => lines.push(line.toString().trimEnd()));
  server.on('stream', (stream) => {
    stream.respond({ ':status': 200 });
    stream.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lines,
    async close() {
      server.close();
    },
  };
}

/** GETs `path` from `url` over a new TLS connection; resolves the client's key-log lines. */
export async function getLogged(url: string, path: string, maxVersion: tls.SecureVersion = 'TLSv1.3'): Promise<string[]> {
  const { cert } = await testCert();
  const lines: string[] = [];
  const target = new URL(url);
  const session = http2.connect(url, {
    createConnection: () => {
      const socket = tls.connect({ host: target.hostname, port: Number(target.port), ca: cert, ALPNProtocols: ['h2'], maxVersion });
      socket.on('keylog', (line: Buffer) => lines.push(line.toString().trimEnd()));
      return socket;
    },
  });
  session.on('error', () => {});
  try {
    const stream = session.request({ ':path': path });
    stream.resume();
    const [headers] = await once(stream, 'response') as [http2.IncomingHttpHeaders];
    if (Number(headers[':status']) !== 200) throw new Error(`GET ${path}: status ${String(headers[':status'])}`);
    await once(stream, 'end');
  } finally {
    session.close();
  }
  return lines;
}

/** An NSS key log's lines, grouped by client random: label → secret. */
export function readKeyLog(path: string): Map<string, Map<string, string>> {
  return groupByClientRandom(readFileSync(path, 'utf8').split('\n').filter((l) => l !== ''));
}

export function groupByClientRandom(lines: string[]): Map<string, Map<string, string>> {
  const byRandom = new Map<string, Map<string, string>>();
  for (const line of lines) {
    const m = /^([A-Z_0-9]+) ([0-9a-f]{64}) ([0-9a-f]+)$/.exec(line);
    if (!m) throw new Error(`not an NSS key log line: ${line}`);
    const labels = byRandom.get(m[2]!) ?? new Map<string, string>();
    if (labels.has(m[1]!)) throw new Error(`${m[1]} twice for client random ${m[2]}`);
    labels.set(m[1]!, m[3]!);
    byRandom.set(m[2]!, labels);
  }
  return byRandom;
}

export const TLS13_LABELS = [
  'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
  'CLIENT_TRAFFIC_SECRET_0',
  'EXPORTER_SECRET',
  'SERVER_HANDSHAKE_TRAFFIC_SECRET',
  'SERVER_TRAFFIC_SECRET_0',
];
