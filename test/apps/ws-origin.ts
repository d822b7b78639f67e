/**
 * A WebSocket origin on the real `ws` server, over HTTP/1.1 (cleartext or TLS with the test cert).
 * Every connection echoes each message with its type (text or binary). Text commands:
 *   `close <code> <reason>`  the origin closes with that code and reason
 *   `ping <payload>`         the origin pings; once the client's pong arrives it sends `pong <payload>`
 * `/forbidden` is refused with a 403 and a body; every Upgrade request is recorded. Plain requests
 * get 404, but `/page`: a small HTML page (where a browser test runs its script).
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { testCert } from '../helpers/tls-cert.js';

export interface WsOrigin {
  /** http://127.0.0.1:PORT or https://127.0.0.1:PORT */
  url: string;
  upgrades: http.IncomingHttpHeaders[];
  /** Close codes and reasons the origin received from clients. */
  closes: { code: number; reason: string }[];
  /** Sockets of upgraded connections open now. */
  open: Set<WebSocket>;
  close(): Promise<void>;
}

export async function startWsOrigin(kind: 'h1' | 'h1-tls'): Promise<WsOrigin> {
  const { cert, key } = await testCert();
  const server = kind === 'h1-tls' ? https.createServer({ cert, key }) : http.createServer();
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const page = req.url === '/page' ? '<!doctype html><title>ws origin</title>' : '';
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(page) });
    res.end(page);
  });
  const origin: WsOrigin = {
    url: '',
    upgrades: [],
    closes: [],
    open: new Set(),
    async close() {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('upgrade', upgradesTo(origin));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  origin.url = `${kind === 'h1-tls' ? 'https' : 'http'}://127.0.0.1:${port}`;
  return origin;
}

/** The 'upgrade' listener of an HTTP/1.1 server that is `origin`: records each Upgrade, refuses `/forbidden`, serves the rest. */
export function upgradesTo(origin: WsOrigin): (req: http.IncomingMessage, socket: Socket, head: Buffer) => void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  return (req, socket, head) => {
    origin.upgrades.push(req.headers);
    if (req.url === '/forbidden') {
      socket.end('HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain\r\ncontent-length: 10\r\nx-origin: ws\r\nconnection: close\r\n\r\nforbidden\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serve(origin, ws));
  };
}

/** Echoes and answers the commands above on `ws`, recording it in `origin` while it is open. */
export function serve(origin: WsOrigin, ws: WebSocket): void {
  origin.open.add(ws);
  ws.once('close', (code, reason) => {
    origin.open.delete(ws);
    origin.closes.push({ code, reason: reason.toString() });
  });
  ws.on('error', () => {});
  ws.on('message', (data: Buffer, isBinary) => {
    const text = isBinary ? undefined : data.toString();
    const close = text && /^close (\d+) (.*)$/.exec(text);
    if (close) return ws.close(Number(close[1]), close[2]);
    const ping = text && /^ping (.*)$/.exec(text);
    if (ping) {
      ws.once('pong', (payload) => ws.send(`pong ${payload.toString()}`));
      return ws.ping(ping[1]);
    }
    ws.send(data, { binary: isBinary });
  });
}
