import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ProxyServer } from 'http-proxy-3';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Backend } from './backend.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
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

type NodeError = Error & { code?: string; reusedSocket?: boolean; socket?: { bytesRead?: number } };

/** Socket errors that mean "the backend closed the connection we sent on". */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** undici's timeouts: connect, response head, silence between body chunks; all are `--backend-timeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

const kExchange = Symbol('wunderproxy.exchange');
type Tagged<T> = T & { [kExchange]: Exchange };

interface ForwardContext {
  stats: RequestStats;
  log: Logger;
  debug: boolean;
  backendTimeoutMs: number;
}

/**
 * One client request on its way through, and the undici dispatch handler of its upstream request. undici's
 * callbacks (its internal handler interface, so no wrapper object and no header parsing per request) write straight
 * into the client's ServerResponse; the listeners on the response are shared functions that find their exchange on
 * the emitter, so a request costs this one object rather than a closure per callback.
 */
class Exchange implements Dispatcher.DispatchHandler {
  abortUpstream: ((error?: Error) => void) | undefined = undefined;
  resumeUpstream: (() => void) | undefined = undefined;
  options: Dispatcher.DispatchOptions | undefined = undefined;
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

  send(backend: Backend): void {
    const req = this.req;
    const { headers, requestId, hasBody } = upstreamRequestHeaders(req, (req.socket as TLSSocket).encrypted === true);
    this.requestId = requestId;
    this.hasBody = hasBody;
    const timeout = this.context.backendTimeoutMs;
    this.options = {
      path: req.url ?? '/',
      method: req.method as Dispatcher.HttpMethod,
      // undici adds Host from the backend's origin only when the client sent none, as node's setHost did
      headers,
      body: hasBody ? req : null,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    };
    backend.pool(timeout).dispatch(this.options, this);
  }

  onConnect(abort: (error?: Error) => void): void {
    // The client may have gone while the request waited for a connection.
    if (this.res.destroyed) abort();
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx: dropped, as node's client did
    const res = this.res;
    if (res.destroyed) {
      this.abortUpstream?.();
      return false;
    }
    this.resumeUpstream = resume;
    res.writeHead(statusCode, statusText, downstreamResponseHeaders(rawHeaders, this.requestId));
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.res;
    if (res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      res.on('drain', onClientDrain);
    }
    return false; // undici stops reading the backend socket until resumeUpstream()
  }

  onComplete(): void {
    this.res.end();
  }

  onError(error: NodeError): void {
    const res = this.res;
    // An upstream that dies mid-body cuts the client response too.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    const code = error.code ?? '';
    // A keep-alive socket the backend closed just as we reused it: safe to send again when no body was sent.
    // undici never re-sends the request at the head of a connection itself, and there is no pipelining.
    if (!this.retried && !this.hasBody && RESET_CODES.has(code) && isReusedSocket(error)) {
      this.retried = true;
      this.abortUpstream = undefined;
      this.backend!.pool(this.context.backendTimeoutMs).dispatch(this.options!, this);
      return;
    }
    if (TIMEOUT_CODES.has(code)) sendPage(res, 504, 'timeout');
    else if (code === 'ECONNREFUSED') sendPage(res, 502, 'backend-unreachable');
    else sendPage(res, 502, 'backend-error');
    const { context, requestId, backend } = this;
    if (context.debug) context.log.debug({ requestId, backend: backend?.origin, err: error.message }, 'backend error');
  }
}

/** Whether the failed socket had carried a response before (marked by backend.ts's connector, or undici's info). */
function isReusedSocket(error: NodeError): boolean {
  return error.reusedSocket === true || (error.socket?.bytesRead ?? 0) > 0;
}

function onClientDrain(this: Tagged<ServerResponse>): void {
  this[kExchange].resumeUpstream?.();
}

function onClientClose(this: Tagged<ServerResponse>): void {
  const exchange = this[kExchange];
  const { context, backend } = exchange;
  // The client went away before the answer was complete: stop the upstream request too.
  if (!this.writableFinished) exchange.abortUpstream?.();
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
 * The request path. Plain HTTP (and HTTPS backends) goes through undici's dispatcher on the backend's keep-alive
 * pool, its handler writing straight into the client response: profiled, node's ClientRequest/Agent/IncomingMessage
 * machinery cost a third more CPU per request, and http-proxy-3's per-request passes more still (BENCHMARK.md).
 * Upgrades (websockets) go through http-proxy-3, which handles their handshake well.
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
    const backend = route.kind === 'backend' ? route.backend : undefined;
    const exchange = new Exchange(context, req, res, backend, started);
    (res as Tagged<ServerResponse>)[kExchange] = exchange;
    res.on('close', onClientClose);
    if (backend !== undefined) {
      backend.claim(res);
      exchange.send(backend);
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
