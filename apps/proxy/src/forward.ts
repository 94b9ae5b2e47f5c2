import http, { type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import type { Backend } from './backend.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import { forwardViaUndici } from './forward-undici.js';
import { sendPage } from './pages/pages.js';
import type { RequestStats } from './stats.js';
import type { Switch } from './switch.js';

export interface ForwarderOptions {
  switch: Switch;
  stats: RequestStats;
  log: Logger;
  /** No byte from the backend for this long → 504. */
  backendTimeoutMs: number;
  /** Answered 200 by the proxy itself in maintenance mode. */
  healthCheckPath: string;
}

type NodeError = Error & { code?: string };

// A/B only: which upstream client plain HTTP uses, read once at startup.
const useUndici = (process.env.UPSTREAM_CLIENT_AB ?? 'undici') === 'undici';

class BackendTimeoutError extends Error {
  readonly code = 'BACKEND_TIMEOUT';
}

const kExchange = Symbol('wunderproxy.exchange');
type Tagged<T> = T & { [kExchange]: Exchange };

/**
 * One client request on its way through. The listeners below are shared functions that find their exchange on
 * the emitter (`this[kExchange]`), so a request costs one object here instead of a closure per listener: the
 * profile showed listener setup and closure allocation as the largest share of our own per-request work.
 */
class Exchange {
  proxyReq: ClientRequest | undefined = undefined;
  proxyRes: IncomingMessage | undefined = undefined;
  requestId = '';
  hasBody = false;
  retried = false;
  waitingForDrain = false;

  constructor(
    readonly context: ForwardContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly backend: Backend | undefined,
    readonly started: number,
  ) {}
}

export interface ForwardContext {
  stats: RequestStats;
  log: Logger;
  debug: boolean;
  backendTimeoutMs: number;
}

function send(exchange: Exchange): void {
  const { req, backend } = exchange;
  const encrypted = (req.socket as TLSSocket).encrypted === true;
  const { headers, requestId, hasBody } = upstreamRequestHeaders(req, encrypted);
  exchange.requestId = requestId;
  exchange.hasBody = hasBody;
  const proxyReq = (backend!.secure ? https.request : http.request)({
    agent: backend!.agent,
    hostname: backend!.hostname,
    port: backend!.port,
    method: req.method,
    path: req.url,
    headers,
    setHost: req.headers.host === undefined,
    // as an option rather than setTimeout(): node arms the socket timer itself, without two closures per request
    timeout: exchange.context.backendTimeoutMs,
  }) as Tagged<ClientRequest>;
  proxyReq[kExchange] = exchange;
  exchange.proxyReq = proxyReq;
  proxyReq.on('response', onUpstreamResponse);
  proxyReq.on('error', onUpstreamError);
  proxyReq.on('timeout', onUpstreamTimeout);
  if (hasBody) req.pipe(proxyReq);
  else proxyReq.end();
}

function onUpstreamTimeout(this: Tagged<ClientRequest>): void {
  this.destroy(new BackendTimeoutError('backend timeout'));
}

function onUpstreamResponse(this: Tagged<ClientRequest>, proxyRes: IncomingMessage): void {
  const exchange = this[kExchange];
  const res = exchange.res;
  if (res.destroyed) {
    proxyRes.destroy();
    return;
  }
  exchange.proxyRes = proxyRes;
  (proxyRes as Tagged<IncomingMessage>)[kExchange] = exchange;
  res.writeHead(
    proxyRes.statusCode ?? 502,
    proxyRes.statusMessage,
    downstreamResponseHeaders(proxyRes.rawHeaders, exchange.requestId),
  );
  // Hand-rolled pipe: Readable.pipe adds and later removes seven listeners per response (measurable here).
  // An upstream that dies mid-body is destroyed with an error ('aborted'), which cuts the client response too.
  proxyRes.on('data', onUpstreamData);
  proxyRes.on('end', onUpstreamEnd);
  proxyRes.on('error', onUpstreamBodyError);
}

function onUpstreamData(this: Tagged<IncomingMessage>, chunk: Buffer): void {
  const exchange = this[kExchange];
  if (exchange.res.write(chunk)) return;
  this.pause();
  if (!exchange.waitingForDrain) {
    exchange.waitingForDrain = true;
    exchange.res.on('drain', onClientDrain);
  }
}

function onClientDrain(this: Tagged<ServerResponse>): void {
  this[kExchange].proxyRes?.resume();
}

function onUpstreamEnd(this: Tagged<IncomingMessage>): void {
  this[kExchange].res.end();
}

function onUpstreamBodyError(this: Tagged<IncomingMessage>): void {
  this[kExchange].res.destroy();
}

function onUpstreamError(this: Tagged<ClientRequest>, error: NodeError): void {
  const exchange = this[kExchange];
  const res = exchange.res;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A keep-alive socket the backend closed just as we reused it: safe to send again when no body was sent.
  if (
    !exchange.retried &&
    !exchange.hasBody &&
    this.reusedSocket &&
    (error.code === 'ECONNRESET' || error.code === 'EPIPE')
  ) {
    exchange.retried = true;
    send(exchange);
    return;
  }
  if (res.destroyed) return;
  if (error instanceof BackendTimeoutError) sendPage(res, 504, 'timeout');
  else if (error.code === 'ECONNREFUSED') sendPage(res, 502, 'backend-unreachable');
  else sendPage(res, 502, 'backend-error');
  const { context, requestId, backend } = exchange;
  if (context.debug) context.log.debug({ requestId, backend: backend?.origin, err: error.message }, 'backend error');
}

function onClientClose(this: Tagged<ServerResponse>): void {
  const exchange = this[kExchange];
  const { context, backend, proxyReq } = exchange;
  // The client went away before the answer was complete: stop the upstream request too.
  if (proxyReq !== undefined && !this.writableFinished) proxyReq.destroy();
  context.stats.activeRequests--;
  backend?.release(this);
  const ms = performance.now() - exchange.started;
  context.stats.record(this.statusCode, ms);
  if (context.debug) {
    const { req } = exchange;
    context.log.debug(
      { method: req.method, url: req.url, status: this.statusCode, ms, backend: backend?.origin },
      'request',
    );
  }
}

/**
 * The request path. Plain HTTP goes through a lean node:http pipe with the backend's keep-alive agent (profiled:
 * http-proxy-3's per-request passes and option merging cost a third of the throughput, see BENCHMARK.md);
 * upgrades (websockets) go through http-proxy-3, which handles their handshake well.
 */
export function createForwarder(options: ForwarderOptions): {
  onRequest: (req: IncomingMessage, res: ServerResponse) => void;
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
} {
  const { stats, log, backendTimeoutMs, healthCheckPath } = options;
  const theSwitch = options.switch;
  const debug = log.isLevelEnabled('debug');
  const context: ForwardContext = { stats, log, debug, backendTimeoutMs };

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const route = theSwitch.route;
    stats.activeRequests++;
    if (useUndici && route.kind === 'backend') {
      forwardViaUndici(context, req, res, route.backend, started);
      return;
    }
    const backend = route.kind === 'backend' ? route.backend : undefined;
    const exchange = new Exchange(context, req, res, backend, started);
    (res as Tagged<ServerResponse>)[kExchange] = exchange;
    res.on('close', onClientClose);
    if (backend !== undefined) {
      backend.claim(res);
      send(exchange);
    } else if (route.kind === 'maintenance') {
      if (req.url === healthCheckPath) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, 'cache-control': 'no-store' });
        res.end('ok\n');
      } else sendPage(res, 503, 'maintenance');
    } else sendPage(res, 502, 'no-backend');
  }

  const wsProxy = new ProxyServer({ ws: true, xfwd: true });
  wsProxy.on('error', () => {
    // handled per call below; this listener keeps EventEmitter from throwing on unhandled 'error'
  });

  function refuseUpgrade(socket: Duplex, status: number, text: string): void {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const route = theSwitch.route;
    if (route.kind !== 'backend') {
      refuseUpgrade(
        socket,
        route.kind === 'maintenance' ? 503 : 502,
        route.kind === 'maintenance' ? 'Service Unavailable' : 'Bad Gateway',
      );
      return;
    }
    const backend = route.backend;
    const client = req.socket;
    backend.claimTunnel(client);
    stats.websockets++;
    client.once('close', () => stats.websockets--);
    client.on('error', () => client.destroy());
    if (req.headers['x-request-id'] === undefined) req.headers['x-request-id'] = crypto.randomUUID();
    wsProxy.ws(req, socket, head, { target: backend.origin }, (error: NodeError) => {
      if (debug) log.debug({ url: req.url, backend: backend.origin, err: error.message }, 'websocket proxy error');
      // Refused means no handshake happened yet, so an HTTP answer is still possible; later, only closing is.
      if (error.code === 'ECONNREFUSED' && socket.writable) refuseUpgrade(socket, 502, 'Bad Gateway');
      else socket.destroy();
    });
  }

  return { onRequest, onUpgrade };
}
