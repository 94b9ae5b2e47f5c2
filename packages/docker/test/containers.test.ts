import { dockerClient, ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { buildSampleApp } from '@wunderproxy/testkit/sample-app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerCreateFailedError, ContainerNotFoundError, DockerClient, LABELS } from '../src/index.js';
import { cleanUp, httpGet, uniqueSuffix } from './fixtures.js';

const suffix = uniqueSuffix();
const app = `dtest${suffix}`;
const image = `wp-docker-test-${suffix}/sample-app:v1`;
const client = new DockerClient();
const raw = dockerClient();
const timings: Record<string, number> = {};

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings[label] = Math.round(performance.now() - started);
  }
}

beforeAll(async () => {
  await ensureDocker();
  await timed('build', () => buildSampleApp({ tag: image, version: 'v1' }));
});

afterAll(async () => {
  await cleanUp(app, [image]);
  console.info(`timings (ms): ${JSON.stringify(timings)}`);
});

describe('app containers', () => {
  it('creates and starts a container published on a free 127.0.0.1 port that serves the image', async () => {
    const created = await timed('create', () =>
      client.createAppContainer({
        name: app,
        deployId: 'd1',
        image,
        port: 8080,
        env: { APP_VERSION: 'v1', EMPTY: '' },
        labels: { team: 'web' },
        configHash: 'abc123',
        init: true,
        memory: 64 * 1024 * 1024,
        cpus: 0.5,
        restart: 'on-failure:3',
        extraHosts: ['upstream.test:127.0.0.1'],
        logDriver: { type: 'json-file', options: { 'max-size': '1m' } },
        stopTimeout: 7,
        workdir: '/www',
      }),
    );
    expect(created).toMatchObject({ name: `wunderproxy-${app}-d1`, deployId: 'd1' });
    const started = await timed('start', () => client.startAppContainer(created));
    expect(started.hostPort).toBeGreaterThan(0);
    const firstResponse = performance.now();
    expect(await httpGet(started.hostPort!)).toEqual({ status: 200, body: 'sample-app v1\n' });
    timings.startToHttp = Math.round(performance.now() - firstResponse);
    expect((await httpGet(started.hostPort!, '/health')).status).toBe(200);

    const info = await raw.getContainer(created.id).inspect();
    expect(info.Name).toBe(`/wunderproxy-${app}-d1`);
    expect(info.Config.Env).toEqual(expect.arrayContaining(['APP_VERSION=v1', 'EMPTY=']));
    expect(info.Config.Labels).toMatchObject({
      team: 'web',
      [LABELS.name]: app,
      [LABELS.deploy]: 'd1',
      [LABELS.configHash]: 'abc123',
    });
    expect(info.Config.WorkingDir).toBe('/www');
    expect(info.HostConfig).toMatchObject({
      Init: true,
      Memory: 64 * 1024 * 1024,
      NanoCpus: 500_000_000,
      RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
      ExtraHosts: ['upstream.test:127.0.0.1'],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
    });
    expect(info.NetworkSettings.Ports['8080/tcp']).toEqual([
      { HostIp: '127.0.0.1', HostPort: String(started.hostPort) },
    ]);

    const state = await client.inspectState(created.id);
    expect(state).toMatchObject({ running: true, status: 'running', oomKilled: false });

    // busybox httpd as PID 1 ignores SIGTERM; with init the stop takes well under the 10 s timeout.
    await timed('stopWithInit', () => client.stopContainer(created.id, 10));
    expect(timings.stopWithInit).toBeLessThan(5_000);
    expect((await client.inspectState(created.id)).running).toBe(false);
    // Stopping again is not an error: retiring an old deploy must be idempotent.
    await client.stopContainer(created.id, 1);
  });

  it('refuses a second container with the same app and deploy id', async () => {
    const spec = { name: app, deployId: 'dup', image, cmd: ['/bin/sleep', '600'] };
    await client.createAppContainer(spec);
    const error = await client.createAppContainer(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContainerCreateFailedError);
    expect(error).toMatchObject({ code: 'CONTAINER_CREATE_FAILED', statusCode: 409 });
    expect((error as Error).message).toContain(`wunderproxy-${app}-dup`);
  });

  it('names the problem when the image does not exist', async () => {
    const error = await client
      .createAppContainer({ name: app, deployId: 'noimage', image: `wp-docker-test-${suffix}/missing:v9` })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONTAINER_CREATE_FAILED' });
    expect((error as Error).message).toMatch(/no such image/i);
  });

  it('tails stdout and stderr of a container, in order', async () => {
    const running = await client.runAppContainer({
      name: app,
      deployId: 'logs',
      image,
      env: { GREETING: 'hello' },
      init: true,
      // stdout and stderr are separate pipes the engine drains concurrently: the pause makes their order certain.
      cmd: [
        '/bin/sh',
        '-c',
        'for i in 1 2 3; do echo "line $i $GREETING"; done; sleep 0.5; echo "to stderr" >&2; exec sleep 600',
      ],
    });
    expect(running.hostPort).toBeNull();
    const deadline = Date.now() + 10_000;
    let tail = '';
    while (!tail.includes('to stderr') && Date.now() < deadline) {
      tail = await client.containerLogsTail(running.id);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(tail).toBe('line 1 hello\nline 2 hello\nline 3 hello\nto stderr\n');
    expect(await client.containerLogsTail(running.id, 2)).toBe('line 3 hello\nto stderr\n');
    const chunks = await client.containerLogs(running.id);
    expect(chunks.at(-1)).toEqual({ stream: 'stderr', text: 'to stderr\n' });
    expect(chunks[0]).toEqual({ stream: 'stdout', text: 'line 1 hello\n' });
  });

  it('sees the exit code of a container that exited, and waitForExit resolves with it', async () => {
    const exiting = await client.runAppContainer({
      name: app,
      deployId: 'exits',
      image,
      cmd: ['/bin/sh', '-c', 'echo dying; exit 3'],
    });
    expect(await client.waitForExit(exiting.id)).toEqual({ exitCode: 3 });
    const state = await client.inspectState(exiting.id);
    expect(state).toMatchObject({ running: false, status: 'exited', exitCode: 3, oomKilled: false });
    expect(state.finishedAt).toBeInstanceOf(Date);
    expect(await client.containerLogsTail(exiting.id)).toBe('dying\n');
  });

  it('fails a start whose process dies at once with its exit code and last log lines, and removes it', async () => {
    const outcome = await client
      .runAppContainer({
        name: app,
        deployId: 'crashes',
        image,
        port: 8080,
        cmd: ['/bin/sh', '-c', 'echo no config >&2; exit 7'],
      })
      .catch((e: unknown) => e);
    if (!(outcome instanceof Error)) {
      // The shell outlived the inspect after start (a race the engine allows): then the health gate's path applies.
      expect(await client.waitForExit((outcome as { id: string }).id)).toEqual({ exitCode: 7 });
      return;
    }
    const error = outcome;
    expect(error).toMatchObject({ code: 'CONTAINER_START_FAILED' });
    expect((error as Error).message).toMatch(/exited with code 7[\s\S]*no config/);
    expect((await client.listAppContainers(app)).map((c) => c.deployId)).not.toContain('crashes');
  });

  it('lets a health gate abandon waitForExit through an AbortSignal', async () => {
    const sleeper = await client.runAppContainer({ name: app, deployId: 'waits', image, cmd: ['/bin/sleep', '600'] });
    const controller = new AbortController();
    const waiting = client.waitForExit(sleeper.id, { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    await expect(waiting).rejects.toThrow();
    expect((await client.inspectState(sleeper.id)).running).toBe(true);
  });

  it('lists the app containers by label, newest first, with deploy id, state and host port', async () => {
    const web = await client.runAppContainer({ name: app, deployId: 'listed', image, port: 8080, init: true });
    const list = await client.listAppContainers(app);
    const ids = list.map((c) => c.deployId);
    expect(ids).toEqual(expect.arrayContaining(['d1', 'dup', 'logs', 'exits', 'waits', 'listed']));
    expect(list.every((c) => c.name === `wunderproxy-${app}-${c.deployId}`)).toBe(true);
    const listed = list.find((c) => c.deployId === 'listed');
    expect(listed).toMatchObject({ id: web.id, state: 'running', image, hostPort: web.hostPort });
    expect(list.find((c) => c.deployId === 'd1')).toMatchObject({ state: 'exited', hostPort: null });
    expect(list.find((c) => c.deployId === 'dup')?.state).toBe('created');
    const created = list.map((c) => c.created.getTime());
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(await client.listAppContainers(`${app}-other`)).toEqual([]);
  });

  it('removes containers, and says so when one is already gone', async () => {
    const doomed = await client.createAppContainer({ name: app, deployId: 'doomed', image });
    expect(await client.removeContainer(doomed.id)).toBe(true);
    expect(await client.removeContainer(doomed.id)).toBe(false);
    await expect(client.inspectState(doomed.id)).rejects.toBeInstanceOf(ContainerNotFoundError);
    await expect(client.stopContainer(doomed.id, 1)).rejects.toMatchObject({ code: 'CONTAINER_NOT_FOUND' });
  });

  it('rejects names docker would refuse before asking it', async () => {
    await expect(client.createAppContainer({ name: 'bad name', deployId: 'x', image })).rejects.toMatchObject({
      code: 'CONTAINER_CREATE_FAILED',
    });
  });
});
