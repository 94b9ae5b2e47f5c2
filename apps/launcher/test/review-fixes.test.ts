import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AppContainer, AppContainerSpec, AppContainerSummary, DockerClient } from '@wunderproxy/docker';
import { proxyDefaults, startProxy } from '@wunderproxy/proxy';
import { freePort, waitForPort } from '@wunderproxy/testkit/ports';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createLauncherApi, DeployHistory, type DeployRecord, type DeployStep, Launcher } from '../src/index.js';
import {
  appContainers,
  buildSampleImages,
  cliMain,
  configDocument,
  launchFlags,
  removeAppContainers,
  runCli,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { httpGet, startTestProxy, type TestProxy } from './support/test-proxy.js';

let work: Workdir;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  work = new Workdir();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  work?.remove();
});

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Server & { port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return Object.assign(server, { port: (server.address() as AddressInfo).port });
}

// ---------------------------------------------------------------------------------------------------------------
// The launcher's orchestration against fakes: an engine that records what it was asked, a proxy admin API, and an
// app answering /health. No Docker here (the integration tests below use the real one).

interface FakeEngine {
  docker: DockerClient;
  calls: string[];
  containers: AppContainerSummary[];
}

function fakeEngine(
  initial: Array<Partial<AppContainerSummary> & { id: string; state: string }>,
  options: { hostPort: number; stopFails?: boolean; startFails?: boolean; pruneFails?: boolean },
): FakeEngine {
  const calls: string[] = [];
  const containers: AppContainerSummary[] = initial.map((c, index) => ({
    name: `wunderproxy-app-${c.id}`,
    deployId: c.id,
    created: new Date(1_000 + index),
    image: 'fake/app:v1',
    hostPort: null,
    labels: {},
    ...c,
  }));
  let lists = 0;
  const docker = {
    listAppContainers: async () => {
      lists++;
      // The first listing sorts the host before the deploy; later ones are the prune's.
      if (options.pruneFails && lists > 1) throw new Error('engine: listing failed');
      return containers.map((c) => ({ ...c }));
    },
    ensureImage: async (ref: string) => ({ ref, id: 'sha256:fake', pulled: false }),
    inspectImage: async () => ({ id: 'sha256:fake' }),
    runAppContainer: async (spec: AppContainerSpec): Promise<AppContainer> => {
      const container = {
        id: `new-${spec.deployId}`,
        name: `wunderproxy-${spec.name}-${spec.deployId}`,
        deployId: spec.deployId,
        hostPort: options.hostPort,
      };
      calls.push(`run ${container.id}`);
      containers.push({
        ...container,
        state: 'running',
        created: new Date(),
        image: spec.image,
        labels: {},
      });
      return container;
    },
    startAppContainer: async (created: { id: string; name: string; deployId: string }): Promise<AppContainer> => {
      calls.push(`start ${created.id}`);
      const container = containers.find((c) => c.id === created.id)!;
      container.state = 'running'; // the engine started it…
      if (options.startFails) throw new Error(`container ${created.name} has no published port`); // …then this
      container.hostPort = options.hostPort;
      return { ...created, hostPort: options.hostPort };
    },
    stopContainer: async (id: string) => {
      calls.push(`stop ${id}`);
      if (options.stopFails) throw new Error(`no such container: ${id}`);
      const container = containers.find((c) => c.id === id);
      if (container) container.state = 'exited';
    },
    removeContainer: async (id: string) => {
      calls.push(`remove ${id}`);
      const index = containers.findIndex((c) => c.id === id);
      if (index >= 0) containers.splice(index, 1);
      return index >= 0;
    },
    waitForExit: (_id: string, opts: { signal?: AbortSignal } = {}) =>
      new Promise((_resolve, reject) => opts.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    inspectState: async () => ({ finishedAt: null }),
    containerLogsTail: async () => '',
    removeImage: async () => false,
  };
  return { docker: docker as unknown as DockerClient, calls, containers };
}

interface FakeAdmin {
  url: string;
  state: { url: string | null; maintenance: boolean; since: string; id: string };
  puts: unknown[];
}

/** The proxy's admin API as the launcher uses it: GET/PUT /api/backend (bearer token when given), /status.json. */
async function fakeAdmin(state: FakeAdmin['state'], token?: string): Promise<FakeAdmin> {
  const admin: FakeAdmin = { url: '', state, puts: [] };
  const server = await listen((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/status.json') return json(200, { drainingBackends: 0 });
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`)
      return json(401, { error: 'unauthorized' });
    if (req.method === 'GET') return json(200, admin.state);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const command = JSON.parse(body) as { id: string; url?: string; maintenance?: boolean };
      admin.puts.push(command);
      admin.state = {
        url: command.url ?? null,
        maintenance: command.maintenance === true,
        since: new Date().toISOString(),
        id: command.id,
      };
      json(200, admin.state);
    });
  });
  admin.url = `http://127.0.0.1:${server.port}`;
  return admin;
}

/** What the new container answers: 200 on /health. */
async function healthyApp(): Promise<number> {
  return (await listen((_req, res) => res.writeHead(200).end('ok\n'))).port;
}

function fakeLauncher(name: string, engine: FakeEngine, admin: FakeAdmin, adminToken?: string) {
  const lines: DeployStep[] = [];
  const launcher = new Launcher({
    stateDir: work.stateDir(name),
    proxy: { adminUrl: admin.url, adminToken, ackTimeoutMs: 2_000 },
    docker: engine.docker,
    retain: 5,
    format: 'json',
    write: (line) => void lines.push(JSON.parse(line) as DeployStep),
  });
  cleanups.push(() => launcher.close());
  const config = work.write(`${name}.json`, configDocument(name, { image: 'fake/app:v2' }));
  return { launcher, lines, config };
}

const OLD_PORT = 40_001;
const serving = (id = 'x') => ({ url: `http://127.0.0.1:${OLD_PORT}`, maintenance: false, since: '', id });

describe('orchestration (fake engine and proxy)', () => {
  test('a proxy state that cannot be read (401) fails the deploy before any container is touched', async () => {
    const name = uniqueName();
    const engine = fakeEngine([{ id: 'old', state: 'running', hostPort: OLD_PORT }], { hostPort: await healthyApp() });
    const admin = await fakeAdmin(serving(), 'secret');
    const { launcher, config } = fakeLauncher(name, engine, admin);
    await expect(launcher.deploy({ configUrl: config, trigger: 'test' })).rejects.toThrow(
      `cannot read the current backend from the proxy admin API at ${admin.url}: HTTP 401 (wrong or missing --admin-token)`,
    );
    expect(engine.calls).toEqual([]);
    expect(admin.puts).toEqual([]);
    const { records } = await launcher.history(name).load();
    expect(records[0]).toMatchObject({ outcome: 'failed', container: null });
  });

  test('a refused admin API is a reason too', async () => {
    const name = uniqueName();
    const engine = fakeEngine([{ id: 'old', state: 'running', hostPort: OLD_PORT }], { hostPort: 1 });
    const port = await freePort();
    const admin: FakeAdmin = { url: `http://127.0.0.1:${port}`, state: serving(), puts: [] };
    const { launcher, config } = fakeLauncher(name, engine, admin);
    await expect(launcher.deploy({ configUrl: config, trigger: 'test' })).rejects.toThrow(
      `cannot read the current backend from the proxy admin API at http://127.0.0.1:${port}: connection refused`,
    );
    expect(engine.calls).toEqual([]);
  });

  test('in maintenance, running containers of the app are left alone and the output says so', async () => {
    const name = uniqueName();
    const engine = fakeEngine([{ id: 'old', state: 'running', hostPort: OLD_PORT }], { hostPort: await healthyApp() });
    const admin = await fakeAdmin({ url: null, maintenance: true, since: '', id: 'm' });
    const { launcher, lines, config } = fakeLauncher(name, engine, admin);
    const record = await launcher.deploy({ configUrl: config, trigger: 'test' });
    expect(record.outcome).toBe('succeeded');
    expect(engine.calls.filter((c) => !c.startsWith('run'))).toEqual([]);
    expect(lines.find((l) => l.step === 'cleanup')?.message).toBe(
      'the proxy is in maintenance: left 1 running container(s) alone (wunderproxy-app-old)',
    );
    expect(engine.containers.find((c) => c.id === 'old')?.state).toBe('running');
  });

  test('failures after the switch are warning lines: the deploy succeeded (traffic is on the new container)', async () => {
    const name = uniqueName();
    const engine = fakeEngine([{ id: 'old', state: 'running', hostPort: OLD_PORT }], {
      hostPort: await healthyApp(),
      stopFails: true,
      pruneFails: true,
    });
    const admin = await fakeAdmin(serving());
    const { launcher, lines, config } = fakeLauncher(name, engine, admin);
    const record = await launcher.deploy({ configUrl: config, trigger: 'test' });
    expect(record).toMatchObject({ outcome: 'succeeded', error: null });
    expect(admin.state.url).toBe(`http://127.0.0.1:${record.container!.hostPort}`);
    expect(lines.map((l) => [l.step, l.ok])).toEqual([
      ['fetch-config', true],
      ['image', true],
      ['start', true],
      ['health', true],
      ['switch', true],
      ['drain', true],
      ['retire', false],
      ['prune', false],
    ]);
    expect(lines.find((l) => l.step === 'retire')!.message).toBe('retire failed: no such container: old');
    expect(lines.find((l) => l.step === 'prune')!.message).toBe('prune failed: engine: listing failed');
    // the new container stays: nothing removes what traffic is on
    expect(engine.calls).toEqual([`run new-${record.id}`, 'stop old']);
    const { records } = await launcher.history(name).load();
    expect(records[0]).toMatchObject({ id: record.id, outcome: 'succeeded' });
  });

  test('a rollback whose kept container started but then failed stops it again', async () => {
    const name = uniqueName();
    const engine = fakeEngine(
      [
        { id: 'kept', state: 'exited' },
        { id: 'old', state: 'running', hostPort: OLD_PORT },
      ],
      { hostPort: await healthyApp(), startFails: true },
    );
    const admin = await fakeAdmin(serving());
    const { launcher, lines } = fakeLauncher(name, engine, admin);
    const history = new DeployHistory(work.stateDir(name), name);
    const configText = JSON.stringify(configDocument(name, { image: 'fake/app:v1' }));
    const record = (id: string, container: string, startedAt: string): DeployRecord => ({
      id,
      app: name,
      image: 'fake/app:v1',
      configUrl: null,
      configText,
      trigger: 'test',
      startedAt,
      finishedAt: startedAt,
      outcome: 'succeeded',
      error: null,
      container: { id: container, name: `wunderproxy-app-${container}`, hostPort: 1 },
      rollbackOf: null,
      steps: [],
    });
    await history.save(record('20260101-000000-0001', 'kept', '2026-01-01T00:00:00.000Z'));
    await history.save(record('20260101-000001-0002', 'old', '2026-01-01T00:00:01.000Z'));

    await expect(launcher.rollback({ app: name, trigger: 'test' })).rejects.toThrow(/has no published port/);
    expect(engine.calls).toEqual(['start kept', 'stop kept']);
    expect(engine.containers.find((c) => c.id === 'kept')?.state).toBe('exited');
    expect(lines.at(-1)?.message).toBe('stopped wunderproxy-app-kept again; the current deploy keeps serving');
    expect(admin.puts).toEqual([]);
  });

  test('POST /api/deploys and /api/rollback answer 409 while another process holds the deploy lock', async () => {
    const name = uniqueName();
    const engine = fakeEngine([], { hostPort: 1 });
    const admin = await fakeAdmin(serving());
    const { launcher, config } = fakeLauncher(name, engine, admin);
    const api = await listen(
      createLauncherApi({
        launcher,
        configUrl: config,
        app: () => name,
        token: undefined,
        log: pino({ level: 'silent' }),
      }),
    );
    const stateDir = work.stateDir(name);
    mkdirSync(stateDir, { recursive: true });
    const lockFile = join(stateDir, `${name}.deploy.lock`);
    // What `wunderproxy launch` in another (live) process holds: this test's own pid stands for it.
    const lock = JSON.stringify({
      deployId: '20260101-000000-beef',
      pid: process.pid,
      host: hostname(),
      acquiredAt: '2026-01-01T00:00:00.000Z',
      expiresAt: new Date(Date.now() + 600_000).toISOString(),
    });
    writeFileSync(lockFile, lock);
    for (const path of ['/api/deploys', '/api/rollback']) {
      const response = await fetch(`http://127.0.0.1:${api.port}${path}`, { method: 'POST' });
      expect(response.status).toBe(409);
      expect(await response.json()).toEqual({
        error: `a deploy is running: 20260101-000000-beef (pid ${process.pid} on ${hostname()}, since 2026-01-01T00:00:00.000Z)`,
        running: '20260101-000000-beef',
      });
    }
    // read only: the lock is still the other deploy's, and nothing was started
    expect(readFileSync(lockFile, 'utf8')).toBe(lock);
    expect(engine.calls).toEqual([]);
    expect(launcher.lockHolder(name)?.deployId).toBe('20260101-000000-beef');
    // an expired lock is not live: the deploy would take it over
    writeFileSync(lockFile, JSON.stringify({ ...JSON.parse(lock), expiresAt: new Date(Date.now() - 1).toISOString() }));
    expect(launcher.lockHolder(name)).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The same defects end to end: real dockerd, proxy, Redis and the built CLI.

describe('end to end', () => {
  let redis: RedisServer;
  let images: SampleImages;

  beforeAll(async () => {
    [redis, images] = await Promise.all([startRedis(), buildSampleImages(['v1', 'v2'])]);
  });

  afterAll(async () => {
    await images?.remove();
    await redis?.stop();
  });

  function app(): string {
    const name = uniqueName();
    cleanups.push(() => removeAppContainers(name));
    return name;
  }

  test('a launch without the proxy’s --admin-token fails before touching anything: the live container keeps serving', async () => {
    const name = app();
    const proxy = await startProxy({
      listen: '127.0.0.1:0',
      admin: '127.0.0.1:0',
      name,
      adminToken: 'admin-secret',
      drainTimeoutMs: 5_000,
      backendTimeoutMs: proxyDefaults.backendTimeoutMs,
      healthCheckPath: proxyDefaults.healthCheckPath,
      logger: pino({ level: 'silent' }),
    });
    cleanups.push(() => proxy.close(500));
    const adminUrl = `http://127.0.0.1:${proxy.adminPort}`;
    const flags = launchFlags({ stateDir: work.stateDir(name), adminUrl });
    const v1 = work.write(`${name}-v1.json`, configDocument(name, { image: images.tags.v1! }));
    const v2 = work.write(`${name}-v2.json`, configDocument(name, { image: images.tags.v2! }));
    const first = await runCli(['launch', v1, ...flags, '--admin-token', 'admin-secret']);
    expect(first.code, first.stderr + first.stdout).toBe(0);
    const before = await appContainers(name);

    const second = await runCli(['launch', v2, ...flags]);
    expect(second.code, second.stderr + second.stdout).toBe(1);
    expect(second.stderr).toContain(
      `wunderproxy: cannot read the current backend from the proxy admin API at ${adminUrl}: HTTP 401 (wrong or missing --admin-token)\n`,
    );
    expect(second.stdout).not.toMatch(/removed orphan|started container|image /);
    expect(await appContainers(name)).toEqual(before);
    expect(before.map((c) => c.state)).toEqual(['running']);
    expect((await httpGet(`http://127.0.0.1:${proxy.port}/`)).body).toBe('sample-app v1\n');
  });

  test('a first deploy through Redis that no proxy confirms leaves no backend key behind', async () => {
    const name = app();
    const v1 = work.write(`${name}-v1.json`, configDocument(name, { image: images.tags.v1! }));
    const flags = launchFlags({
      stateDir: work.stateDir(name),
      adminUrl: `http://127.0.0.1:${await freePort()}`,
      redisUrl: redis.url,
    });
    const result = await runCli(['launch', v1, ...flags, '--ack-timeout', '1']);
    expect(result.code, result.stderr + result.stdout).toBe(1);
    expect(result.stderr).toContain(`no proxy named "${name}" confirmed the switch within 1000 ms (0 subscribed)`);
    const client = new Redis(redis.url);
    try {
      expect(await client.get(`wunderproxy:${name}:backend`)).toBeNull();
    } finally {
      client.disconnect();
    }
    expect(await appContainers(name)).toEqual([]);
  });

  test('`wunderproxy launcher` on SIGTERM lets the running deploy finish, then exits 0', async () => {
    const name = app();
    const proxy: TestProxy = await startTestProxy(name, redis.url);
    cleanups.push(() => proxy.close(500));
    const stateDir = work.stateDir(name);
    // ~2 s until /health answers: the SIGTERM lands while the health gate waits.
    const config = work.write(
      `${name}-slow.json`,
      configDocument(name, {
        image: images.tags.v1!,
        cmd: ['/bin/sh', '-c', 'sleep 2; exec /bin/busybox httpd -f -p 8080 -h /www'],
        intervalMs: 200,
      }),
    );
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        cliMain,
        'launcher',
        config,
        '--listen',
        `127.0.0.1:${port}`,
        ...launchFlags({ stateDir, adminUrl: proxy.adminUrl, redisUrl: redis.url }),
        '--log-level',
        'info',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    await waitForPort(port);
    const started = await fetch(`http://127.0.0.1:${port}/api/deploys`, { method: 'POST' });
    expect(started.status, output).toBe(202);
    const { id } = (await started.json()) as { id: string };
    const historyFile = join(stateDir, name, 'history.json');
    const deadline = Date.now() + 20_000;
    while (!output.includes('started container')) {
      if (Date.now() > deadline) throw new Error(`the deploy did not start its container: ${output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGTERM');
    expect(await exited, output).toBe(0);
    expect(output).toContain('waiting for the running deploy to finish');
    expect(existsSync(historyFile)).toBe(true);
    const records = JSON.parse(readFileSync(historyFile, 'utf8')) as DeployRecord[];
    expect(records.find((r) => r.id === id)).toMatchObject({ outcome: 'succeeded', error: null });
    expect((await proxy.get()).body).toBe('sample-app v1\n');
  });
});
