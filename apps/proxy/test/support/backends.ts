import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A test backend that answers with its own name. Paths:
 * - `/headers`: JSON `{backend, method, url, headers}` of the request it got
 * - `/slow?ms=N`: answers after N ms (emits `request` on arrival, so a test knows it is in flight, and `aborted`
 *   if the proxy gives up on it)
 * - `/stale-keep-alive`: answers once per connection, then drops the connection on its next request
 * - `/stream`: sends `first\n`, then waits for `releaseStream()` before sending `last\n`
 * - `POST /hash`: sha256 and length of the request body
 * - `/hop`: a response carrying hop-by-hop headers, some declared by Connection
 * - `/destroy`: closes the connection without answering
 * - anything else: `NAME` as text
 * Websockets: every message is echoed back as `NAME:message`.
 */
export interface TestBackend {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** TCP connections accepted so far (to see keep-alive reuse). */
  readonly connections: number;
  /** Emits `request` (path) when a request arrives. */
  readonly events: EventEmitter;
  /** Lets every waiting `/stream` response send its last chunk. */
  releaseStream(): void;
  close(): Promise<void>;
}

export async function startBackend(name: string): Promise<TestBackend> {
  const events = new EventEmitter();
  let release: () => void = () => {};
  let streamGate = new Promise<void>((resolve) => (release = resolve));
  const servedOn = new WeakSet<object>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://backend');
    events.emit('request', url.pathname);
    const text = (status: number, body: string) => {
      res.writeHead(status, {
        'content-type': 'text/plain',
        'x-backend': name,
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    switch (url.pathname) {
      case '/headers':
        req.resume();
        text(200, JSON.stringify({ backend: name, method: req.method, url: req.url, headers: req.headers }));
        return;
      case '/slow': {
        req.resume();
        const timer = setTimeout(() => text(200, name), Number(url.searchParams.get('ms') ?? 1500));
        res.once('close', () => {
          clearTimeout(timer);
          if (!res.writableFinished) events.emit('aborted', url.pathname);
        });
        return;
      }
      case '/stream':
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain', 'x-backend': name });
        res.write('first\n');
        void streamGate.then(() => res.end('last\n'));
        return;
      case '/hash': {
        const hash = createHash('sha256');
        let bytes = 0;
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        req.on('end', () => text(200, JSON.stringify({ backend: name, bytes, sha256: hash.digest('hex') })));
        return;
      }
      case '/stale-keep-alive':
        // Answers the first request on a connection, then drops the connection when the next one arrives on it:
        // what a backend whose keep-alive timeout just fired looks like to the proxy.
        req.resume();
        if (servedOn.has(req.socket)) req.socket.destroy();
        else {
          servedOn.add(req.socket);
          text(200, name);
        }
        return;
      case '/destroy':
        req.socket.destroy();
        return;
      case '/hop':
        req.resume();
        res.writeHead(
          200,
          [
            ['Content-Type', 'text/plain'],
            ['Connection', 'X-Backend-Secret'],
            ['X-Backend-Secret', 'hop'],
            ['Keep-Alive', 'timeout=5'],
            ['Proxy-Authenticate', 'Basic'],
            ['X-End-To-End', 'kept'],
            ['Content-Length', String(name.length)],
          ].flat(),
        );
        res.end(name);
        return;
      default:
        req.resume();
        text(200, name);
    }
  });
  let connections = 0;
  server.on('connection', () => connections++);
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => ws.send(`${name}:${data.toString()}`));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    events,
    get connections() {
      return connections;
    },
    releaseStream() {
      release();
      streamGate = new Promise<void>((resolve) => (release = resolve));
    },
    async close() {
      release();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Resolves when the backend receives a request for `path`. Call it before sending the request. */
export function nextRequest(backend: TestBackend, path: string): Promise<void> {
  return new Promise((resolve) => {
    const onRequest = (arrived: string) => {
      if (arrived !== path) return;
      backend.events.off('request', onRequest);
      resolve();
    };
    backend.events.on('request', onRequest);
  });
}
