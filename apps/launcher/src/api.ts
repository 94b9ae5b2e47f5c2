import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { type DeployRecord, newDeployId } from './deploy-record.js';
import { DeployError } from './errors.js';
import type { Launcher } from './launcher.js';

export interface LauncherApiOptions {
  launcher: Launcher;
  /** The config URL the launcher was started with: `POST /api/deploys` without a body re-fetches it. */
  configUrl: string | undefined;
  /** The app whose history and rollbacks the API serves (from the config, or `--name`). */
  app: () => string;
  token: string | undefined;
  log: Logger;
}

function requireToken(token: string | undefined): RequestHandler {
  const expected = token === undefined ? undefined : `Bearer ${token}`;
  return (req, res, next) => {
    if (expected === undefined || req.headers.authorization === expected) next();
    else res.status(401).set('www-authenticate', 'Bearer').json({ error: 'missing or wrong bearer token (--token)' });
  };
}

/** The record as the API shows it: the config text stays out of listings (it can be long), but not of /ID. */
function summary(record: DeployRecord): Omit<DeployRecord, 'configText' | 'steps'> {
  const { configText: _configText, steps: _steps, ...rest } = record;
  return rest;
}

/**
 * The launcher API of DESIGN.md: POST /api/deploys (202 + id), GET /api/deploys, GET /api/deploys/ID (state and
 * step log), POST /api/rollback. One deploy at a time: a second one gets 409.
 */
export function createLauncherApi(options: LauncherApiOptions): Express {
  const { launcher, log } = options;
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  const api = express.Router();
  api.use(requireToken(options.token));
  api.use(express.json({ limit: '64kb', strict: true }));

  /**
   * Deploys this API answered 202 for, as far as known without a launcher record: while the config is fetched (the
   * record exists only from the lock on) and when the deploy failed before it had one. A 202's id must never 404.
   */
  type EarlyDeploy = Pick<DeployRecord, 'id' | 'outcome' | 'error' | 'startedAt' | 'finishedAt' | 'steps'>;
  const unknownYet = new Map<string, EarlyDeploy>();
  const remember = (deploy: EarlyDeploy): void => {
    unknownYet.set(deploy.id, deploy);
    for (const id of unknownYet.keys()) if (unknownYet.size > 50) unknownYet.delete(id);
  };

  /** The deploy this API started and whose run has not settled yet (it is `launcher.active` once it holds the lock). */
  let pending: string | undefined;
  const refuseWhileBusy = (res: express.Response): boolean => {
    const running = launcher.active?.id ?? pending;
    if (running !== undefined) {
      res.status(409).json({ error: `a deploy is running: ${running}`, running });
      return true;
    }
    // A deploy of another process (`wunderproxy launch`) holds the app's lock: it would fail DEPLOY_LOCKED after a 202.
    const holder = launcher.lockHolder(options.app());
    if (holder === undefined) return false;
    res.status(409).json({
      error: `a deploy is running: ${holder.deployId} (pid ${holder.pid} on ${holder.host}, since ${holder.acquiredAt})`,
      running: holder.deployId,
    });
    return true;
  };

  const startInBackground = (
    res: express.Response,
    run: (deployId: string) => Promise<DeployRecord>,
    what: string,
    extra: Record<string, unknown> = {},
  ) => {
    if (refuseWhileBusy(res)) return;
    const deployId = newDeployId();
    pending = deployId;
    remember({
      id: deployId,
      outcome: 'running',
      error: null,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      steps: [],
    });
    run(deployId)
      .then(
        (record) => {
          unknownYet.delete(deployId);
          log.info({ deploy: record.id, outcome: record.outcome }, `${what} finished`);
        },
        (error: Error) => {
          // Failed before the launcher had a record (config fetch or parse): keep the reason for GET /ID.
          remember({
            ...unknownYet.get(deployId)!,
            outcome: 'failed',
            error: error.message,
            finishedAt: new Date().toISOString(),
          });
          log.error({ deploy: deployId, err: error.message }, `${what} failed`);
        },
      )
      .finally(() => {
        if (pending === deployId) pending = undefined;
      });
    res
      .status(202)
      .location(`/api/deploys/${deployId}`)
      .json({ id: deployId, ...extra });
  };

  api.post('/deploys', (req, res) => {
    const body = (req.body ?? {}) as { config?: unknown };
    if (body.config !== undefined && typeof body.config !== 'string') {
      res.status(400).json({ error: 'config: expected a config URL string' });
      return;
    }
    const configUrl = (body.config as string | undefined) ?? options.configUrl;
    if (configUrl === undefined) {
      res.status(400).json({ error: 'config: required (the launcher was started without a config URL)' });
      return;
    }
    startInBackground(res, (deployId) => launcher.deploy({ configUrl, trigger: 'api', deployId }), 'deploy');
  });

  api.post('/rollback', async (req, res) => {
    const body = (req.body ?? {}) as { id?: unknown };
    if (body.id !== undefined && typeof body.id !== 'string') {
      res.status(400).json({ error: 'id: expected a deploy id string' });
      return;
    }
    if (refuseWhileBusy(res)) return;
    const app = options.app();
    // Resolve the target now: an unknown id or nothing to go back to is a 404 (400 for the deploy serving now),
    // not a 202 for a rollback that fails at once.
    let target: DeployRecord;
    try {
      target = await launcher.rollbackTarget(app, body.id as string | undefined);
    } catch (error) {
      if (!(error instanceof DeployError)) throw error;
      // 503: the target could not be resolved because the proxy state could not be read.
      const status = error.code === 'NOT_FOUND' ? 404 : error.code === 'BAD_INPUT' ? 400 : 503;
      res.status(status).json({ error: error.message });
      return;
    }
    startInBackground(
      res,
      (deployId) => launcher.rollback({ app, targetId: target.id, trigger: 'api', deployId }),
      'rollback',
      { rollbackOf: target.id },
    );
  });

  api.get('/deploys', async (_req, res) => {
    const { records, warnings } = await launcher.history(options.app()).load();
    const active = launcher.active;
    const list = active && !records.some((r) => r.id === active.id) ? [active, ...records] : records;
    res.json({ deploys: list.map(summary), warnings });
  });

  api.get('/deploys/:id', async (req, res) => {
    const active = launcher.active;
    if (active?.id === req.params.id) {
      res.json(active);
      return;
    }
    const { records } = await launcher.history(launcher.appOf(req.params.id) ?? options.app()).load();
    const record = records.find((r) => r.id === req.params.id) ?? unknownYet.get(req.params.id);
    if (record === undefined) res.status(404).json({ error: `no deploy ${req.params.id}` });
    else res.json(record);
  });

  app.use('/api', api);
  const onError: ErrorRequestHandler = (error: Error & { status?: number; type?: string }, _req, res, _next) => {
    if (typeof error.status === 'number' && error.status < 500)
      res.status(400).json({ error: `body: ${error.message}` });
    else {
      log.error({ err: error.message }, 'launcher api error');
      res.status(500).json({ error: 'internal error' });
    }
  };
  app.use(onError);
  return app;
}
