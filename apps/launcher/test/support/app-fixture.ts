import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerClient, ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { buildSampleApp, removeImages } from '@wunderproxy/testkit/sample-app';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const cliMain = join(repoRoot, 'apps/cli/dist/main.js');

/** A unique app name per test: containers, locks, Redis keys and history never collide with another test's. */
export function uniqueName(): string {
  return `t-${randomBytes(4).toString('hex')}`;
}

/** The sample app images one test file built, with tags unique to that file. */
export interface SampleImages {
  /** version → tag, e.g. v1 → `wp-launcher-test-ab12cd:v1` */
  readonly tags: Record<string, string>;
  remove(): Promise<void>;
}

/** Builds `sample-app VERSION` images (healthy unless listed in `unhealthy`) once per file. */
export async function buildSampleImages(versions: string[], unhealthy: string[] = []): Promise<SampleImages> {
  await ensureDocker();
  const repo = `wp-launcher-test-${randomBytes(3).toString('hex')}`;
  const tags: Record<string, string> = {};
  for (const version of versions) {
    tags[version] = `${repo}:${version}`;
    await buildSampleApp({ tag: tags[version], version, healthy: !unhealthy.includes(version) });
  }
  return { tags, remove: () => removeImages(Object.values(tags)) };
}

/** Removes every container labelled `wunderproxy.name=NAME` (only that app's: dockerd is shared). */
export async function removeAppContainers(name: string): Promise<void> {
  const docker = dockerClient();
  const list = await docker.listContainers({ all: true, filters: { label: [`wunderproxy.name=${name}`] } });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true, v: true })
        .catch(() => undefined),
    ),
  );
}

export interface ListedContainer {
  id: string;
  deployId: string;
  state: string;
  image: string;
}

export async function appContainers(name: string): Promise<ListedContainer[]> {
  const docker = dockerClient();
  const list = await docker.listContainers({ all: true, filters: { label: [`wunderproxy.name=${name}`] } });
  return list.map((c) => ({
    id: c.Id,
    deployId: c.Labels['wunderproxy.deploy'] ?? '',
    state: c.State,
    image: c.Image,
  }));
}

export interface ConfigOptions {
  image: string;
  cmd?: string[];
  healthPath?: string;
  timeoutSeconds?: number;
  intervalMs?: number;
  extra?: Record<string, unknown>;
}

/** The config document of DESIGN.md for the sample app; `init` so busybox httpd stops at once on SIGTERM. */
export function configDocument(name: string, options: ConfigOptions): Record<string, unknown> {
  return {
    name,
    image: options.image,
    container: {
      port: 8080,
      env: { APP_VERSION: options.image.split(':').pop() },
      ...(options.cmd ? { cmd: options.cmd } : {}),
      labels: { team: 'web' },
      init: true,
      stopTimeoutSeconds: 2,
    },
    healthCheck: {
      path: options.healthPath ?? '/health',
      timeoutSeconds: options.timeoutSeconds ?? 20,
      intervalMs: options.intervalMs ?? 100,
    },
    ...options.extra,
  };
}

/** A temp dir for one test file: config files and `--state-dir`s. */
export class Workdir {
  readonly path = mkdtempSync(join(tmpdir(), 'wp-launcher-test-'));

  write(file: string, content: string | Record<string, unknown>): string {
    const path = join(this.path, file);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  }

  stateDir(name: string): string {
    return join(this.path, `state-${name}`);
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs `node apps/cli/dist/main.js ARGS` and collects its output and exit code. */
export function runCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<CliResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: options.env ?? { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, durationMs: performance.now() - started });
    });
  });
}

/** The flags every launch in these tests passes: the test's proxy, Redis and state dir. */
export function launchFlags(options: { stateDir: string; adminUrl: string; redisUrl?: string }): string[] {
  return [
    '--state-dir',
    options.stateDir,
    '--admin',
    options.adminUrl,
    ...(options.redisUrl ? ['--redis', options.redisUrl] : []),
  ];
}
