import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { SwitchCommand } from '@wunderproxy/proxy-client';
import type { Logger } from 'pino';
import { closeAdminServer, createAdminServer, processStatus } from './admin-api.js';
import { startClusterPrimary } from './cluster-primary.js';
import { startClusterWorker } from './cluster-worker.js';
import { proxyDefaults } from './defaults.js';
import { createForwarder } from './forward.js';
import { ListenError, listenOn, parseListenAddress } from './listen-address.js';
import { createMetricsRegistry } from './metrics.js';
import { configureMaintenancePage } from './pages/pages.js';
import { startRedisChannel } from './redis-channel.js';
import { RequestStats } from './stats.js';
import { Switch } from './switch.js';
import { checkBackendUrl, InvalidSwitchError } from './switch-command.js';
import type { SwitchControl } from './switch-control.js';

export interface ProxyOptions {
  /** Public listener, `HOST:PORT`. */
  listen: string;
  /** Admin API listener, `HOST:PORT`; null disables it. */
  admin: string | null;
  /** Initial backend URL, or `maintenance`. Redis's stored state wins over it. */
  backend?: string | undefined;
  redis?: string | undefined;
  name: string;
  adminToken?: string | undefined;
  drainTimeoutMs: number;
  backendTimeoutMs: number;
  healthCheckPath: string;
  /** A file whose contents replace the built-in maintenance page. */
  maintenancePage?: string | undefined;
  /** How long start waits for Redis before serving `--backend` (Redis keeps being retried after). */
  redisWaitMs?: number;
  logger: Logger;
  /** Cluster workers running the public listener (the primary keeps admin API, Redis and the switch); 1 = none. */
  workers?: number;
}

export interface RunningProxy {
  readonly port: number;
  readonly adminPort: number | undefined;
  readonly control: SwitchControl;
  /** Stop accepting, let in-flight requests finish (up to drainTimeoutMs), close everything. */
  close(drainTimeoutMs?: number): Promise<void>;
  /** This process's counters (a cluster worker sends them to the primary). */
  readonly stats: RequestStats;
  /** What /status.json shows. */
  status(): Record<string, unknown>;
}

export function initialCommand(backend: string | undefined): SwitchCommand | undefined {
  if (backend === undefined || backend === '') return undefined;
  if (backend === 'maintenance') return { id: 'initial', maintenance: true };
  try {
    return { id: 'initial', url: checkBackendUrl(backend) };
  } catch (error) {
    if (error instanceof InvalidSwitchError) throw new ListenError(`--backend: ${error.message.replace(/^url: /, '')}`);
    throw error;
  }
}

/**
 * Node 20 hands every request carrying `Upgrade` to the 'upgrade' listener. Only websockets are tunnelled; any other
 * offer (`Upgrade: h2c` from `curl --http2`) is ignored, as RFC 9110 §7.8 allows, and the request is answered over
 * HTTP/1.1 on a connection that closes afterwards (its parser is gone). One with a body cannot be read any more: 400.
 */
function answerIgnoringUpgrade(
  req: http.IncomingMessage,
  socket: Socket,
  head: Buffer,
  onRequest: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  if (hasBody || head.length > 0) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const res = new http.ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => socket.destroySoon());
  socket.on('error', () => socket.destroy());
  onRequest(req, res);
}

export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  if ((options.workers ?? 1) > 1) return cluster.isPrimary ? startClusterPrimary(options) : startClusterWorker(options);
  const log = options.logger;
  const listen = parseListenAddress(options.listen, '--listen');
  const admin = options.admin === null ? null : parseListenAddress(options.admin, '--admin', '127.0.0.1');
  const initial = initialCommand(options.backend);
  let maintenancePage: Buffer | undefined;
  if (options.maintenancePage !== undefined) {
    try {
      maintenancePage = readFileSync(options.maintenancePage);
    } catch (error) {
      throw new ListenError(`--maintenance-page: cannot read ${options.maintenancePage}: ${(error as Error).message}`);
    }
  }
  configureMaintenancePage(maintenancePage, proxyDefaults.maintenanceRetryAfterSeconds);

  const theSwitch = new Switch(log.child({ component: 'switch' }), options.drainTimeoutMs);
  const control: SwitchControl = {
    get state() {
      return theSwitch.state;
    },
    apply: async (command) => theSwitch.apply(command),
  };
  if (initial !== undefined) theSwitch.apply(initial);

  const stats = new RequestStats();
  const forwarder = createForwarder({
    switch: theSwitch,
    stats,
    log: log.child({ component: 'forward' }),
    backendTimeoutMs: options.backendTimeoutMs,
    healthCheckPath: options.healthCheckPath,
  });
  const server = http.createServer(
    { keepAliveTimeout: proxyDefaults.keepAliveTimeoutMs, highWaterMark: proxyDefaults.clientSocketBufferBytes },
    forwarder.onRequest,
  );
  server.headersTimeout = proxyDefaults.keepAliveTimeoutMs + 1000;
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    if (req.headers.upgrade?.toLowerCase() === 'websocket') forwarder.onUpgrade(req, socket, head);
    else answerIgnoringUpgrade(req, socket, head, forwarder.onRequest);
  });
  server.on('connection', (socket: Socket) => {
    stats.openConnections++;
    socket.once('close', () => stats.openConnections--);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  const redis = await startRedisChannel(options, control, log);

  const metrics = createMetricsRegistry(stats, () => ({ drainingBackends: theSwitch.drainingCount }));
  const status = (): Record<string, unknown> => {
    const route = theSwitch.route;
    return {
      name: options.name,
      backend: theSwitch.state,
      drainingBackends: theSwitch.drainingCount,
      upstream: route.kind === 'backend' ? route.backend.upstreamSockets : { sockets: 0, freeSockets: 0 },
      stats: stats.snapshot(),
      process: processStatus(),
    };
  };
  const adminServer = createAdminServer(
    { name: options.name, control, token: options.adminToken, log: log.child({ component: 'admin' }), metrics, status },
    redis,
  );

  let port: number;
  let adminPort: number | undefined;
  try {
    port = await listenOn(server, listen, '--listen');
    if (admin !== null) adminPort = await listenOn(adminServer, admin, '--admin');
  } catch (error) {
    server.close();
    await redis?.stop();
    throw error;
  }
  log.info(
    {
      listen: `${listen.host}:${port}`,
      admin: admin && `${admin.host}:${adminPort}`,
      backend: theSwitch.state,
      redis: options.redis ?? null,
      name: options.name,
    },
    // With --workers, only the primary's line means the proxy is up (it has the admin API and the ports).
    cluster.isWorker ? 'worker listening' : 'proxy listening',
  );

  let closing: Promise<void> | undefined;
  const close = (drainTimeoutMs = options.drainTimeoutMs): Promise<void> => {
    closing ??= (async () => {
      log.info(
        { drainTimeoutMs, inFlight: stats.activeRequests, websockets: stats.websockets },
        'shutting down: draining',
      );
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Keep-alive connections that finish their last request while draining are closed as they go idle.
      const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
      await theSwitch.drainAll(drainTimeoutMs);
      clearInterval(idleSweep);
      server.closeAllConnections();
      await stopped;
      await redis?.stop();
      await closeAdminServer(adminServer);
      log.info('proxy stopped');
    })();
    return closing;
  };

  return { port, adminPort, control, close, stats, status };
}
