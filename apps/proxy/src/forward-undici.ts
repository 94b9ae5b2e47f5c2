import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { Backend } from './backend.js';
import type { ForwardContext } from './forward.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import { sendPage } from './pages/pages.js';

type NodeError = Error & { code?: string };

const kExchange = Symbol('wunderproxy.undici-exchange');
type Tagged<T> = T & { [kExchange]: UndiciExchange };

/** Socket errors that mean "the backend closed a connection we were about to use". */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
/** undici's timeouts: connect, response head, and silence between body chunks. All map to `--backend-timeout`. */
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * One client request forwarded through undici's dispatcher. The exchange is the dispatch handler itself (legacy
 * callbacks: undici's internal interface, so no wrapper object or header parsing per request), and the response
 * goes straight from undici's parser into the client's ServerResponse.
 */
class UndiciExchange implements Dispatcher.DispatchHandler {
  abortUpstream: ((error?: Error) => void) | undefined = undefined;
  resumeUpstream: (() => void) | undefined = undefined;
  requestId = '';
  hasBody = false;
  retried = false;
  waitingForDrain = false;
  headers: string[] = [];
  options: Dispatcher.DispatchOptions | undefined = undefined;

  constructor(
    readonly context: ForwardContext,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly backend: Backend,
    readonly started: number,
  ) {}

  send(): void {
    const req = this.req;
    const { headers, requestId, hasBody } = upstreamRequestHeaders(req, (req.socket as TLSSocket).encrypted === true);
    this.requestId = requestId;
    this.hasBody = hasBody;
    const timeout = this.context.backendTimeoutMs;
    this.options = {
      path: req.url ?? '/',
      method: req.method as Dispatcher.HttpMethod,
      headers,
      body: hasBody ? req : null,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    };
    this.backend.pool(timeout).dispatch(this.options, this);
  }

  onConnect(abort: (error?: Error) => void): void {
    // The client may have gone while the request waited for a connection.
    if (this.res.destroyed) abort();
    else this.abortUpstream = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    if (statusCode < 200) return true; // 1xx: node's client drops them too
    const res = this.res;
    if (res.destroyed) {
      this.abortUpstream?.();
      return false;
    }
    this.resumeUpstream = resume;
    const raw = this.headers;
    for (let i = 0; i < rawHeaders.length; i++) raw.push(rawHeaders[i]!.toString('latin1'));
    res.writeHead(statusCode, statusText, downstreamResponseHeaders(raw, this.requestId));
    return true;
  }

  onData(chunk: Buffer): boolean {
    const res = this.res;
    if (res.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      res.on('drain', onClientDrain);
    }
    return false; // undici pauses the socket until resumeUpstream()
  }

  onComplete(): void {
    this.res.end();
  }

  onError(error: NodeError): void {
    const res = this.res;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (res.destroyed) return;
    // A keep-alive socket the backend closed just as we reused it: safe to send again when no body was sent.
    // (undici itself never re-sends the request at the head of a connection, and we use no pipelining.)
    if (!this.retried && !this.hasBody && error.code !== undefined && RESET_CODES.has(error.code) && isReused(error)) {
      this.retried = true;
      this.abortUpstream = undefined;
      this.backend.pool(this.context.backendTimeoutMs).dispatch(this.options!, this);
      return;
    }
    const code = error.code ?? '';
    if (TIMEOUT_CODES.has(code)) sendPage(res, 504, 'timeout');
    else if (code === 'ECONNREFUSED') sendPage(res, 502, 'backend-unreachable');
    else sendPage(res, 502, 'backend-error');
    const { context, requestId, backend } = this;
    if (context.debug) context.log.debug({ requestId, backend: backend.origin, err: error.message }, 'backend error');
  }
}

/** Whether the socket that failed had answered before (set by the connector in backend.ts, or undici's info). */
function isReused(error: NodeError & { reusedSocket?: boolean; socket?: { bytesRead?: number } }): boolean {
  return error.reusedSocket === true || (error.socket?.bytesRead ?? 0) > 0;
}

function onClientDrain(this: Tagged<ServerResponse>): void {
  const exchange = this[kExchange];
  exchange.resumeUpstream?.();
}

function onClientClose(this: Tagged<ServerResponse>): void {
  const exchange = this[kExchange];
  const { context, backend } = exchange;
  // The client went away before the answer was complete: stop the upstream request too.
  if (!this.writableFinished) exchange.abortUpstream?.();
  context.stats.activeRequests--;
  backend.release(this);
  const ms = performance.now() - exchange.started;
  context.stats.record(this.statusCode, ms);
  if (context.debug) {
    const { req } = exchange;
    context.log.debug(
      { method: req.method, url: req.url, status: this.statusCode, ms, backend: backend.origin },
      'request',
    );
  }
}

export function forwardViaUndici(
  context: ForwardContext,
  req: IncomingMessage,
  res: ServerResponse,
  backend: Backend,
  started: number,
): void {
  const exchange = new UndiciExchange(context, req, res, backend, started);
  (res as Tagged<ServerResponse>)[kExchange] = exchange;
  res.on('close', onClientClose);
  backend.claim(res);
  exchange.send();
}
