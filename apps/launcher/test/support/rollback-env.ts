import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '@wunderproxy/docker';
import { dockerClient, ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import type { DeployStep } from '../../src/deploy-log.js';
import type { DeployRecord } from '../../src/deploy-record.js';
import { Launcher } from '../../src/launcher.js';
import { removeAppContainers, uniqueName } from './app-fixture.js';
import { startTestProxy, type TestProxy } from './test-proxy.js';

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
  readonly proxy: TestProxy;
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
  const app = uniqueName();
  const ownRedis = options.redis === undefined;
  const redis = options.redis ?? (await startRedis());
  const proxy = await startTestProxy(app, redis.url);
  const dir = mkdtempSync(join(tmpdir(), 'wp-rb-'));
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  const adminUrl = proxy.adminUrl;
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
    proxyUrl: proxy.url,
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
      await removeAppContainers(app);
      if (ownRedis) await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
