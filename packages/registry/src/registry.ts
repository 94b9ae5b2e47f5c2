import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { HtpasswdAuth, isLoopback } from './auth.js';
import { type RequestContext, sendJson } from './context.js';
import { NameInvalidError, RegistryError } from './errors.js';
import { isValidRepositoryName } from './names.js';
import { matchRoute } from './router.js';
import { getCatalog } from './routes/catalog.js';
import { openStorage } from './storage/open.js';
import type { Storage } from './storage/storage.js';
import { UploadSessions } from './uploads.js';

export interface RegistryOptions {
  /** `file:///dir`, `s3://bucket/prefix` or a plain directory path. */
  storage: string;
  /** `s3://bucket/prefix` behind a directory storage: what the directory lacks is read from there and kept. */
  pullThrough?: string | undefined;
  /** An htpasswd file of bcrypt entries; when set, pushes (and pulls from outside loopback) need Basic auth. */
  htpasswdFile?: string | undefined;
  /** Upload sessions untouched this long are purged; default 24 h (a slow CI push never takes that long). */
  uploadMaxAgeMs?: number | undefined;
  logger?: pino.Logger | undefined;
  s3?: { endpoint?: string | undefined; region?: string | undefined } | undefined;
  /** Local directory for upload sessions of the S3 driver (defaults under the OS temp dir). */
  stagingDir?: string | undefined;
}

export type RegistryHandler = RequestListener & {
  readonly storage: Storage;
  readonly uploads: UploadSessions;
  close(): Promise<void>;
};

const defaultUploadMaxAgeMs = 24 * 60 * 60 * 1000;
const apiVersionHeader = { 'Docker-Distribution-API-Version': 'registry/2.0' };

/** The registry as a node:http request listener (mount it on any server); close() stops its timers and storage. */
export async function createRegistryHandler(options: RegistryOptions): Promise<RegistryHandler> {
  const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'registry' });
  const storage = await openStorage({ ...options, logger });
  const uploads = new UploadSessions(storage, logger, options.uploadMaxAgeMs ?? defaultUploadMaxAgeMs);
  const auth = options.htpasswdFile ? await HtpasswdAuth.load(options.htpasswdFile) : undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://registry');
    const method = request.method ?? 'GET';
    for (const [name, value] of Object.entries(apiVersionHeader)) response.setHeader(name, value);
    if (auth && !(await auth.allows(request))) {
      sendUnauthorized(response);
      return;
    }
    // The raw path, not url.pathname: WHATWG URL parsing would resolve `a/../b` into `b` before names are validated.
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    if (pathname === '/v2/' || pathname === '/v2') {
      // With auth on, the ping challenges clients outside loopback (so docker knows to send its credentials) and checks
      // credentials that are sent. Anonymous loopback clients get 200: docker cannot pull anonymously once /v2/ has
      // challenged it ("no basic auth credentials"), and the launcher pulls from 127.0.0.1 with none.
      const anonymousLoopback = isLoopback(request.socket.remoteAddress) && request.headers.authorization === undefined;
      if (auth && !anonymousLoopback && !(await auth.hasValidCredentials(request.headers.authorization))) {
        sendUnauthorized(response);
        return;
      }
      sendJson(response, 200, {});
      return;
    }
    if (pathname === '/v2/_catalog' && (method === 'GET' || method === 'HEAD')) {
      await getCatalog(storage, url, response);
      return;
    }
    const match = matchRoute(method, pathname);
    if (match.kind === 'not-found') throw new RegistryError('NOT_FOUND', 'no such endpoint', { path: pathname });
    if (match.kind === 'method-not-allowed') {
      sendJson(
        response,
        405,
        { errors: [{ code: 'UNSUPPORTED', message: `${method} not allowed` }] },
        {
          Allow: match.allowed.join(', '),
        },
      );
      return;
    }
    if (!isValidRepositoryName(match.repository)) throw new NameInvalidError(match.repository);
    const context: RequestContext = {
      request,
      response,
      url,
      repository: match.repository,
      reference: match.reference,
      storage,
      uploads,
      logger,
    };
    await match.handler(context);
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    const started = performance.now();
    handle(request, response).then(
      () => logRequest(logger, request, response, started),
      (error: unknown) => {
        answerError(logger, request, response, error);
        logRequest(logger, request, response, started);
      },
    );
  };

  return Object.assign(listener, {
    storage,
    uploads,
    async close(): Promise<void> {
      uploads.close();
      await storage.close();
    },
  });
}

function sendUnauthorized(response: ServerResponse): void {
  sendJson(
    response,
    401,
    { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
    {
      'WWW-Authenticate': 'Basic realm="wunderproxy-registry"',
    },
  );
}

/** The one place errors become HTTP answers: RegistryError → its status and the spec's body; anything else → 500. */
function answerError(logger: pino.Logger, request: IncomingMessage, response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    logger.warn({ err: error, method: request.method, url: request.url }, 'failed after the answer started');
    response.destroy();
    return;
  }
  if (error instanceof RegistryError) {
    const body = { errors: [{ code: error.code, message: error.message, detail: error.detail ?? {} }] };
    sendJson(response, error.status, body);
    return;
  }
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'ERR_STREAM_PREMATURE_CLOSE' || request.destroyed) {
    logger.info({ method: request.method, url: request.url }, 'client went away');
    response.destroy();
    return;
  }
  logger.error({ err: error, method: request.method, url: request.url }, 'request failed');
  sendJson(response, 500, { errors: [{ code: 'UNKNOWN', message: 'internal error' }] });
}

function logRequest(logger: pino.Logger, request: IncomingMessage, response: ServerResponse, started: number): void {
  logger.debug(
    {
      method: request.method,
      url: request.url,
      status: response.statusCode,
      ms: Math.round(performance.now() - started),
    },
    'request',
  );
}

export interface RunningRegistry {
  readonly url: string;
  readonly port: number;
  readonly handler: RegistryHandler;
  /** Stops accepting, lets in-flight requests finish for up to drainTimeoutMs, then closes storage. */
  close(drainTimeoutMs?: number): Promise<void>;
}

/** Runs the registry on its own HTTP server; `listen` is `host:port` (port 0 picks a free one). */
export async function startRegistry(options: RegistryOptions & { listen: string }): Promise<RunningRegistry> {
  const separator = options.listen.lastIndexOf(':');
  const host = separator > 0 ? options.listen.slice(0, separator).replace(/^\[|\]$/g, '') : '127.0.0.1';
  const port = Number(separator >= 0 ? options.listen.slice(separator + 1) : options.listen);
  const handler = await createRegistryHandler(options);
  // No overall request timeout: pushing a multi-GiB layer over a slow link is a legitimately long request.
  const server = createServer({ requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 30_000 }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    handler,
    async close(drainTimeoutMs = 30_000): Promise<void> {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections become idle as their last request ends; close each as soon as it does.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 50);
      const deadline = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
      await closed;
      clearInterval(sweeper);
      clearTimeout(deadline);
      await handler.close();
    },
  };
}
