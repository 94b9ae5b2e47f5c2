import { hostname, userInfo } from 'node:os';
import { type AppConfig, parseConfig } from '@wunderproxy/config';
import type { AppContainer, AppContainerSummary, DockerClient, ProgressRenderer } from '@wunderproxy/docker';
import type { S3ClientOptions } from '@wunderproxy/s3';
import { Redis } from 'ioredis';
import { afterSwitch } from './after-switch.js';
import { containerSpec } from './container-spec.js';
import { launcherDefaults } from './defaults.js';
import { DeployLog, type LogFormat } from './deploy-log.js';
import { type DeployRecord, newDeployId } from './deploy-record.js';
import { DeployError } from './errors.js';
import { waitUntilHealthy } from './health-gate.js';
import { DeployHistory } from './history.js';
import { appContainersNow } from './host-containers.js';
import { withLocalRegistry } from './local-registry.js';
import { acquireDeployLock, type LockOwner, liveDeployLock } from './lock.js';
import { ProxyLink, type ProxyLinkOptions } from './proxy-link.js';
import { planRollback, type RollbackPlan } from './rollback-plan.js';

export interface LauncherOptions {
  stateDir: string;
  proxy: ProxyLinkOptions;
  docker: DockerClient;
  s3?: S3ClientOptions | undefined;
  /** Old containers kept stopped for rollback. */
  retain: number;
  format: LogFormat;
  /** Where step lines go (stdout for the CLI). */
  write: (line: string) => void;
  /** Renders image pull progress (TTY bars or log lines); none when undefined. */
  pullProgress?: () => ProgressRenderer;
  lockTtlMs?: number;
}

export interface DeployRequest {
  configUrl: string;
  trigger: string;
  /** Chosen by the caller when it must answer with the id before the deploy ends (the API's 202). */
  deployId?: string;
}

export interface RollbackRequest {
  app: string;
  /** A recorded deploy id; default: the deploy before the one serving now. */
  targetId?: string | undefined;
  trigger: string;
  deployId?: string;
}

/** `cli root@host`: who started a deploy, for the history table. */
export function cliTrigger(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry in some containers
  }
  return `cli ${process.env.SUDO_USER ?? user}@${hostname()}`;
}

/**
 * Deploys and rollbacks of the apps on this host. Each is a list of named, timed steps; any failure before the
 * switch removes the new container and leaves the old one serving; the old container is stopped only after the
 * proxies confirmed the switch and drained it.
 */
export class Launcher {
  readonly #options: LauncherOptions;
  readonly #link: ProxyLink;
  readonly #redis: Redis | undefined;
  /** The deploy running in this process (the API answers 409 while there is one). */
  active: DeployRecord | undefined;
  /** Deploys and rollbacks called and not settled, from the config fetch on (before `active` is set). */
  #inFlight = 0;
  /** The app of each deploy this process ran (the newest 200): its record is in that app's history. */
  readonly #appOfDeploy = new Map<string, string>();

  constructor(options: LauncherOptions) {
    this.#options = options;
    this.#link = new ProxyLink(options.proxy);
    this.#redis = options.proxy.redisUrl
      ? new Redis(options.proxy.redisUrl, {
          lazyConnect: false,
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          retryStrategy: (n) => Math.min(n * 200, 5_000),
        })
      : undefined;
    this.#redis?.on('error', () => {});
  }

  /** The app a deploy of this process was for (a `{"config": URL}` deploy may be another app than the launcher's). */
  appOf(deployId: string): string | undefined {
    return this.#appOfDeploy.get(deployId);
  }

  /** The app's history: the state file, merged with the Redis list when `--redis` is set (waits briefly for it). */
  history(app: string): DeployHistory {
    return new DeployHistory(this.#options.stateDir, app, this.#redis);
  }

  /** The backend the proxies of `app` serve now (Redis key, else the local admin API). */
  currentBackendOf(app: string) {
    return this.#link.currentBackend(app);
  }

  /** Whether a deploy or rollback of this process is under way (a SIGTERM waits for it). */
  get busy(): boolean {
    return this.#inFlight > 0;
  }

  /** The live holder of the app's deploy lock (this process or another one), read without taking it. */
  lockHolder(app: string): LockOwner | undefined {
    return liveDeployLock(this.#options.stateDir, app);
  }

  async close(): Promise<void> {
    this.#redis?.disconnect();
  }

  async deploy(request: DeployRequest): Promise<DeployRecord> {
    return await this.#counted(() => this.#deploy(request));
  }

  async rollback(request: RollbackRequest): Promise<DeployRecord> {
    return await this.#counted(() => this.#rollback(request));
  }

  async #counted<T>(run: () => Promise<T>): Promise<T> {
    this.#inFlight++;
    try {
      return await run();
    } finally {
      this.#inFlight--;
    }
  }

  async #deploy(request: DeployRequest): Promise<DeployRecord> {
    const deployId = request.deployId ?? newDeployId();
    const log = this.#log(deployId);
    const fetched = await log.step(
      'fetch-config',
      // The AWS SDK is loaded only by deploys that fetch a config: rollbacks and status start faster without it.
      async () =>
        (await import('@wunderproxy/s3')).fetchConfigText(request.configUrl, {
          timeoutMs: launcherDefaults.fetchTimeoutMs,
          s3: this.#options.s3,
        }),
      (result) => `fetched config (${result.source})`,
    );
    const config = parseConfig(fetched.text, fetched.source);
    const record = this.#newRecord(deployId, config, fetched.text, request.configUrl, request.trigger, null, log);
    return await this.#run(record, config, log, undefined);
  }

  async #rollback(request: RollbackRequest): Promise<DeployRecord> {
    const deployId = request.deployId ?? newDeployId();
    const log = this.#log(deployId);
    const { target, kept, warnings } = await this.#planRollback(request.app, request.targetId);
    for (const warning of warnings) log.note('history', `warning: ${warning}`);
    const config = parseConfig(target.configText, `the stored config of deploy ${target.id}`);
    const record = this.#newRecord(
      deployId,
      config,
      target.configText,
      target.configUrl,
      request.trigger,
      target.id,
      log,
    );
    if (kept === undefined)
      log.note('rollback', `container of deploy ${target.id} is gone; recreating it from the stored config`);
    return await this.#run(record, config, log, kept);
  }

  /**
   * The deploy a rollback of `app` would go back to (`targetId`, else the newest successful one not serving now),
   * without starting anything: the API answers 404 before its 202 when there is none. Throws DeployError.
   */
  async rollbackTarget(app: string, targetId?: string): Promise<DeployRecord> {
    return (await this.#planRollback(app, targetId)).target;
  }

  #planRollback(app: string, targetId: string | undefined): Promise<RollbackPlan> {
    return planRollback({
      app,
      targetId,
      history: this.history(app),
      docker: this.#options.docker,
      currentBackend: () => this.#link.currentBackend(app),
    });
  }

  #log(deployId: string): DeployLog {
    return new DeployLog({ deployId, format: this.#options.format, write: this.#options.write });
  }

  #newRecord(
    id: string,
    config: AppConfig,
    configText: string,
    configUrl: string | null,
    trigger: string,
    rollbackOf: string | null,
    log: DeployLog,
  ): DeployRecord {
    return {
      id,
      app: config.name,
      image: config.image,
      configUrl,
      configText,
      trigger,
      startedAt: new Date().toISOString(),
      finishedAt: null,
      outcome: 'running',
      error: null,
      container: null,
      rollbackOf,
      steps: log.steps,
    };
  }

  async #run(
    record: DeployRecord,
    config: AppConfig,
    log: DeployLog,
    reuse: AppContainerSummary | undefined,
  ): Promise<DeployRecord> {
    const { docker } = this.#options;
    const lock = acquireDeployLock(
      this.#options.stateDir,
      config.name,
      record.id,
      this.#options.lockTtlMs ?? launcherDefaults.lockTtlMs,
    );
    if (lock.tookOver) log.note('lock', lock.tookOver);
    this.active = record;
    this.#appOfDeploy.set(record.id, record.app);
    for (const id of this.#appOfDeploy.keys()) if (this.#appOfDeploy.size > 200) this.#appOfDeploy.delete(id);
    const history = this.history(config.name);
    let started: AppContainer | undefined;
    /** A kept container was asked to start: the engine may run it even when the start step then throws. */
    let reuseStarting = false;
    let switched = false;
    try {
      await history.save(record);
      // Throws when the proxy state cannot be read: then nothing on this host is touched.
      const previous = await this.#link.currentBackend(config.name);
      const now = await appContainersNow(docker, config.name, previous);
      const orphans = now.orphans.filter((c) => c.id !== reuse?.id);
      if (previous?.maintenance === true) {
        if (orphans.length > 0)
          log.note(
            'cleanup',
            `the proxy is in maintenance: left ${orphans.length} running container(s) alone (${orphans.map((c) => c.name).join(', ')})`,
          );
      } else {
        for (const orphan of orphans) {
          await log.step(
            'cleanup',
            () => docker.removeContainer(orphan.id, { force: true }),
            () => `removed orphan container ${orphan.name} (${orphan.state}, left by an unfinished deploy)`,
          );
        }
      }

      if (reuse !== undefined) {
        reuseStarting = true;
        started = await log.step(
          'start',
          () => docker.startAppContainer({ id: reuse.id, name: reuse.name, deployId: reuse.deployId }),
          (c) => ({
            message: `started kept container ${c.name} on 127.0.0.1:${c.hostPort}`,
            details: { container: c.id, hostPort: c.hostPort },
          }),
        );
      } else {
        await log.step(
          'image',
          async () => {
            const renderer = this.#options.pullProgress?.();
            try {
              return await withLocalRegistry(
                config,
                this.#options.stateDir,
                this.#options.s3,
                () => docker.ensureImage(config.image, renderer ? { onProgress: renderer.onProgress } : {}),
                async () => (await docker.inspectImage(config.image)) !== undefined,
              );
            } finally {
              renderer?.finish();
            }
          },
          ({ result: image, servedRegistry }) => ({
            message: image.pulled
              ? `pulled image ${image.ref}${servedRegistry ? ` through ${servedRegistry}` : ''}`
              : `image ${image.ref} present`,
            details: { image: image.id },
          }),
        );
        started = await log.step(
          'start',
          () => docker.runAppContainer(containerSpec(config, record.id)),
          (c) => ({
            message: `started container ${c.name} on 127.0.0.1:${c.hostPort}`,
            details: { container: c.id, hostPort: c.hostPort },
          }),
        );
      }
      const hostPort = started.hostPort;
      if (hostPort === null)
        throw new DeployError(
          'DEPLOY_FAILED',
          `container ${started.name} has no published port for ${config.container.port}/tcp`,
        );
      record.container = { id: started.id, name: started.name, hostPort };

      const stopWatching = new AbortController();
      const health = await waitUntilHealthy({
        port: hostPort,
        path: config.healthCheck.path,
        intervalMs: config.healthCheck.intervalMs,
        timeoutMs: config.healthCheck.timeoutSeconds * 1000,
        exited: docker
          .waitForExit(started.id, { signal: stopWatching.signal })
          .catch(() => new Promise<never>(() => {})),
      }).finally(() => stopWatching.abort());
      if (!health.healthy) {
        log.record({
          step: 'health',
          message: `container not healthy: ${health.reason}`,
          durationMs: health.durationMs,
          ok: false,
        });
        const tail = await docker.containerLogsTail(started.id, 50).catch(() => '');
        throw new DeployError(
          'HEALTH_CHECK_FAILED',
          `container ${started.name} did not become healthy: ${health.reason}`,
          tail,
        );
      }
      log.record({
        step: 'health',
        message: 'container healthy after',
        durationMs: health.durationMs,
        ok: true,
        details: { attempts: health.attempts },
      });

      const url = `http://127.0.0.1:${hostPort}`;
      const outcome = await log.step(
        'switch',
        () => this.#link.switchTo(config.name, { id: record.id, url }, previous),
        (o) => ({
          message:
            o.via === 'redis'
              ? `switched ${o.confirmed} prox${o.confirmed === 1 ? 'y' : 'ies'} to ${url}`
              : `switched the proxy (admin API) to ${url}`,
          details: { ...o, url },
        }),
      );
      switched = outcome.confirmed > 0;
      // Traffic is on the new container: the deploy succeeds whatever happens to the old one (warning lines).
      await afterSwitch({
        docker,
        link: this.#link,
        log,
        history,
        retain: this.#options.retain,
        config,
        record,
        started,
        old: now.serving,
      });
      record.outcome = 'succeeded';
      return record;
    } catch (error) {
      if (switched) {
        // Not reached (afterSwitch does not throw); a switched deploy is never reported as failed.
        log.note('cleanup', `warning: after the switch: ${(error as Error).message}`);
        record.outcome = 'succeeded';
        return record;
      }
      record.outcome = 'failed';
      record.error = (error as Error).message;
      if (reuse !== undefined && reuseStarting) {
        // The kept container goes back to stopped, even when its start step threw after the engine started it.
        await docker.stopContainer(reuse.id, config.container.stopTimeoutSeconds).catch(() => undefined);
        log.note('cleanup', `stopped ${reuse.name} again; the current deploy keeps serving`);
      } else if (started !== undefined) {
        // Nothing points at the new container: remove it and say so.
        await docker.removeContainer(started.id, { force: true }).catch(() => undefined);
        log.note('cleanup', `removed container ${started.name}; the current deploy keeps serving`);
        record.container = null;
      }
      throw error;
    } finally {
      record.finishedAt = new Date().toISOString();
      this.active = undefined;
      await history.save(record).catch(() => undefined);
      lock.release();
    }
  }
}
