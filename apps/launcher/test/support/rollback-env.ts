import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '@wunderproxy/docker';
import { proxyDefaults, type RunningProxy, startProxy } from '@wunderproxy/proxy';
import { dockerClient, ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { buildSampleApp, removeImages } from '@wunderproxy/testkit/sample-app';
import { pino } from 'pino';
import type { DeployStep } from '../../src/deploy-log.js';
import type { DeployRecord } from '../../src/deploy-record.js';
import { Launcher } from '../../src/launcher.js';

/** `rb-<random>`: containers, locks, Redis keys and history of one test never meet another's. */
export function rollbackAppName(): string {
  return `rb-${randomBytes(4).toString('hex')}`;
}

/** Sample app images built for one test file, under a repository name unique to it. */
export interface RollbackImages {
  /** version → tag, e.g. v1 → `wp-rb-ab12cd:v1` */
  readonly tags: Record<string, string>;
  remove(): Promise<void>;
}

export async function buildRollbackImages(versions: string[]): Promise<RollbackImages> {
  await ensureDocker();
  const repo = `wp-rb-${randomBytes(3).toString('hex')}`;
  const tags: Record<string, string> = {};
  for (const version of versions) {
    tags[version] = `${repo}:${version}`;
    await buildSampleApp({ tag: tags[version], version });
  }
  return { tags, remove: () => removeImages(Object.values(tags)) };
}

/** GET through a URL on a fresh connection. */
export function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}

/** The config document of DESIGN.md for the sample app; `init` so busybox httpd stops at once on SIGTERM. */
export function rollbackConfig(app: string, image: string, health: { timeoutSeconds?: number } = {}): string {
  return JSON.stringify(
    {
      name: app,
      image,
      container: { port: 8080, env: { APP_VERSION: image.split(':').pop() }, init: true, stopTimeoutSeconds: 2 },
      healthCheck: { path: '/health', timeoutSeconds: health.timeoutSeconds ?? 20, intervalMs: 50 },
    },
    null,
    2,
  );
}

export interface RollbackEnvOptions {
  /** Old containers kept stopped. Default 5 (the launcher's default). */
  retain?: number;
  /** An existing Redis to share; else one is started and stopped with the environment. */
  redis?: RedisServer;
}

/** One app on a real proxy (in process, switched through a real Redis), a launcher with a temp state dir. */
export interface RollbackEnv {
  readonly app: string;
  readonly redis: RedisServer;
  readonly proxy: RunningProxy;
  readonly proxyUrl: string;
  readonly adminUrl: string;
  readonly stateDir: string;
  readonly launcher: Launcher;
  readonly docker: DockerClient;
  /** Step lines the launcher wrote (JSON lines), oldest first. */
  readonly lines: DeployStep[];
  /** Writes a config file for `image` and deploys it. */
  deploy(image: string, health?: { timeoutSeconds?: number }): Promise<DeployRecord>;
  /** The path of the config file of the last deploy of `image`. */
  configPath(image: string): string;
  /** A launcher like the one in use (same state dir, Redis, proxy): a restarted launcher. */
  newLauncher(retain?: number): Launcher;
  close(): Promise<void>;
}

export async function startRollbackEnv(options: RollbackEnvOptions = {}): Promise<RollbackEnv> {
  await ensureDocker();
  const app = rollbackAppName();
  const ownRedis = options.redis === undefined;
  const redis = options.redis ?? (await startRedis());
  const proxy = await startProxy({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    name: app,
    redis: redis.url,
    drainTimeoutMs: 5_000,
    backendTimeoutMs: proxyDefaults.backendTimeoutMs,
    healthCheckPath: proxyDefaults.healthCheckPath,
    logger: pino({ level: 'silent' }),
  });
  const dir = mkdtempSync(join(tmpdir(), 'wp-rb-'));
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  const adminUrl = `http://127.0.0.1:${proxy.adminPort}`;
  const docker = new DockerClient();
  const lines: DeployStep[] = [];
  const launchers: Launcher[] = [];
  const newLauncher = (retain = options.retain ?? 5): Launcher => {
    const launcher = new Launcher({
      stateDir,
      proxy: { redisUrl: redis.url, adminUrl, ackTimeoutMs: 5_000 },
      docker,
      retain,
      format: 'json',
      write: (line) => lines.push(JSON.parse(line) as DeployStep),
    });
    launchers.push(launcher);
    return launcher;
  };
  const launcher = newLauncher();
  const configPath = (image: string) => join(dir, `${image.replace(/[^a-zA-Z0-9]/g, '_')}.json`);
  return {
    app,
    redis,
    proxy,
    proxyUrl: `http://127.0.0.1:${proxy.port}`,
    adminUrl,
    stateDir,
    launcher,
    docker,
    lines,
    configPath,
    newLauncher,
    deploy: async (image, health) => {
      const path = configPath(image);
      writeFileSync(path, rollbackConfig(app, image, health));
      return await launcher.deploy({ configUrl: path, trigger: 'test' });
    },
    close: async () => {
      await Promise.all(launchers.map((l) => l.close()));
      await proxy.close(1_000);
      await removeRollbackContainers(app);
      if (ownRedis) await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Removes every container labelled `wunderproxy.name=APP` (only that app's: dockerd is shared). */
export async function removeRollbackContainers(app: string): Promise<void> {
  const docker = dockerClient();
  const list = await docker.listContainers({ all: true, filters: { label: [`wunderproxy.name=${app}`] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}

/** State of one container by id ('running', 'exited', …), or 'gone'. */
export async function containerState(id: string): Promise<string> {
  try {
    return (await dockerClient().getContainer(id).inspect()).State.Status;
  } catch {
    return 'gone';
  }
}

/** Whether the engine has an image under this reference. */
export async function imageExists(ref: string): Promise<boolean> {
  try {
    await dockerClient().getImage(ref).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Runs a command in a running container and waits for it to end. */
export async function execIn(containerId: string, cmd: string[]): Promise<void> {
  const exec = await dockerClient()
    .getContainer(containerId)
    .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  await new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.resume();
  });
}
