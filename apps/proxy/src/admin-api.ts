import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { BackendState } from '@wunderproxy/proxy-client';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { proxyDefaults } from './defaults.js';
import { statusPageHtml } from './pages/status-page.js';
import type { RedisChannel } from './redis-channel.js';
import { InvalidSwitchError, parseSwitchCommand } from './switch-command.js';
import type { SwitchControl } from './switch-control.js';

export interface AdminApiOptions {
  name: string;
  control: SwitchControl;
  /** Bearer token every /api/* call must carry; none when undefined. */
  token: string | undefined;
  log: Logger;
  metrics: Registry;
  status: () => Record<string, unknown>;
  /** Called after an admin switch, e.g. to store the state in Redis. */
  onSwitched?: (state: BackendState) => Promise<void>;
}

function requireToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : Buffer.from(`Bearer ${token}`);
  // Constant-time comparison: the token is the only thing between a local user and switching all traffic.
  const matches = (header: string | undefined) => {
    const given = Buffer.from(header ?? '');
    return expected !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
  };
  return (req, res, next) => {
    if (expected === undefined || matches(req.headers.authorization)) {
      next();
      return;
    }
    res.status(401).set('www-authenticate', 'Bearer').json({ error: 'missing or wrong bearer token (--admin-token)' });
  };
}

/** The admin API of DESIGN.md: /api/backend, /status(.json), /metrics, /healthz. */
export function createAdminApi(options: AdminApiOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/status', (_req, res) => {
    res.type('html').send(statusPageHtml);
  });
  app.get('/status.json', (_req, res) => {
    res.json(options.status());
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.contentType).send(await options.metrics.metrics());
  });

  const api = express.Router();
  api.use(requireToken(options.token));
  api.get('/backend', (_req, res) => {
    res.json(options.control.state);
  });
  api.put(
    '/backend',
    express.json({ limit: proxyDefaults.maxSwitchMessageBytes, strict: false, type: () => true }),
    async (req, res) => {
      const command = parseSwitchCommand(req.body, { requireId: false });
      const state = await options.control.apply(command);
      await options.onSwitched?.(state);
      res.json(state);
    },
  );
  app.use('/api', api);
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such endpoint' });
  });

  const onError: ErrorRequestHandler = (error: Error & { type?: string; status?: number }, _req, res, _next) => {
    if (error instanceof InvalidSwitchError) {
      res.status(400).json({ error: error.message });
    } else if (error.type === 'entity.too.large') {
      res.status(400).json({ error: `body: larger than ${proxyDefaults.maxSwitchMessageBytes} bytes` });
    } else if (error.type === 'entity.parse.failed') {
      res.status(400).json({ error: `body: not JSON (${error.message})` });
    } else if (typeof error.status === 'number' && error.status < 500) {
      res.status(400).json({ error: error.message });
    } else {
      options.log.error({ err: error.message }, 'admin api error');
      res.status(500).json({ error: 'internal error' });
    }
  };
  app.use(onError);
  return app;
}

/**
 * The admin API on its own HTTP server, as the single process and the cluster primary both run it: a switch made
 * through it is also stored in Redis when the proxy runs a channel.
 */
export function createAdminServer(
  options: Omit<AdminApiOptions, 'onSwitched'>,
  redis: RedisChannel | undefined,
): http.Server {
  return http.createServer(
    createAdminApi({
      ...options,
      onSwitched: async (state: BackendState) => {
        await redis?.store(state);
      },
    }),
  );
}

/** Closes the admin server at shutdown, its keep-alive connections included. */
export async function closeAdminServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** This process, as /status.json shows it. */
export function processStatus(): { pid: number; uptimeSeconds: number; rssBytes: number } {
  return { pid: process.pid, uptimeSeconds: Math.round(process.uptime()), rssBytes: process.memoryUsage.rss() };
}
