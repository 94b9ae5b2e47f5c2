import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DockerClient } from '@wunderproxy/docker';
import { freePort, waitForPort } from '@wunderproxy/testkit/ports';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createLauncherApi, type DeployRecord, Launcher } from '../src/index.js';
import {
  appContainers,
  buildSampleImages,
  cliMain,
  configDocument,
  removeAppContainers,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

// The launcher API in this process (createLauncherApi + Launcher), in front of the real proxy, Redis and dockerd.
const TOKEN = 'launcher-test-token';
let redis: RedisServer;
let images: SampleImages;
let work: Workdir;
let proxy: TestProxy;
let launcher: Launcher;
let api: Server;
let apiUrl: string;
let configServer: Server;
let configBase: string;
const name = uniqueName();
const lines: string[] = [];

beforeAll(async () => {
  [redis, images] = await Promise.all([startRedis(), buildSampleImages(['v1', 'v2'])]);
  work = new Workdir();
  proxy = await startTestProxy(name, redis.url);
  const v1 = work.write('v1.json', configDocument(name, { image: images.tags.v1! }));
  // v2 over http, and slow to answer (~1.5 s): long enough to see a running deploy and a 409.
  const v2 = JSON.stringify(
    configDocument(name, {
      image: images.tags.v2!,
      cmd: ['/bin/sh', '-c', 'sleep 1.5; exec /bin/busybox httpd -f -p 8080 -h /www'],
    }),
  );
  configServer = createServer((req, res) => {
    if (req.url === '/v2.json') res.writeHead(200, { 'content-type': 'application/json' }).end(v2);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => configServer.listen(0, '127.0.0.1', resolve));
  configBase = `http://127.0.0.1:${(configServer.address() as AddressInfo).port}`;

  launcher = new Launcher({
    stateDir: work.stateDir(name),
    proxy: { redisUrl: redis.url, adminUrl: proxy.adminUrl, ackTimeoutMs: 5_000 },
    docker: new DockerClient(),
    retain: 5,
    format: 'json',
    write: (line) => void lines.push(line),
  });
  const log = pino({ level: 'silent' });
  api = createServer(createLauncherApi({ launcher, configUrl: v1, app: () => name, token: TOKEN, log }));
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});

afterAll(async () => {
  api?.close();
  configServer?.close();
  await launcher?.close();
  await proxy?.close(500);
  await removeAppContainers(name);
  await images?.remove();
  await redis?.stop();
  work?.remove();
});

async function call(method: string, path: string, options: { body?: unknown; token?: string | null } = {}) {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function finished(id: string, timeoutMs = 30_000): Promise<DeployRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, json } = await call('GET', `/api/deploys/${id}`);
    expect(status).toBe(200);
    const record = json as unknown as DeployRecord;
    if (record.outcome !== 'running') return record;
    if (Date.now() > deadline) throw new Error(`deploy ${id} still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('every /api call needs the bearer token: 401 without it or with a wrong one; /healthz does not', async () => {
  for (const token of [null, 'wrong']) {
    const list = await call('GET', '/api/deploys', { token });
    expect(list.status).toBe(401);
    expect(list.headers.get('www-authenticate')).toBe('Bearer');
    expect((await call('POST', '/api/deploys', { token })).status).toBe(401);
    expect((await call('POST', '/api/rollback', { token })).status).toBe(401);
  }
  expect((await fetch(`${apiUrl}/healthz`)).status).toBe(200);
  expect(await appContainers(name)).toEqual([]);
});

test('POST /api/deploys re-fetches the configured config: 202 + id, then GET /api/deploys/ID shows the steps', async () => {
  const started = await call('POST', '/api/deploys');
  expect(started.status).toBe(202);
  const id = started.json.id as string;
  expect(id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
  expect(started.headers.get('location')).toBe(`/api/deploys/${id}`);

  const record = await finished(id);
  expect(record).toMatchObject({
    id,
    app: name,
    outcome: 'succeeded',
    error: null,
    trigger: 'api',
    image: images.tags.v1,
  });
  expect(record.steps.map((s) => s.step)).toEqual(['fetch-config', 'image', 'start', 'health', 'switch']);
  for (const step of record.steps)
    expect(step).toMatchObject({ ok: true, durationMs: expect.any(Number), message: expect.any(String) });
  expect((await proxy.get()).body).toBe('sample-app v1\n');
});

test('POST /api/deploys {"config": URL} deploys that config; while it runs a second POST gets 409 and GET shows it running', async () => {
  const started = await call('POST', '/api/deploys', { body: { config: `${configBase}/v2.json` } });
  expect(started.status).toBe(202);
  const id = started.json.id as string;

  const second = await call('POST', '/api/deploys');
  expect(second.status).toBe(409);
  expect(second.json).toEqual({ error: `a deploy is running: ${id}`, running: id });
  expect((await call('POST', '/api/rollback')).status).toBe(409);

  // Mid-deploy, the record already has the steps done so far.
  let running: DeployRecord | undefined;
  for (let i = 0; i < 100 && running?.steps.some((s) => s.step === 'start') !== true; i++) {
    running = (await call('GET', `/api/deploys/${id}`)).json as unknown as DeployRecord;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(running).toMatchObject({ id, outcome: 'running', finishedAt: null, configUrl: `${configBase}/v2.json` });
  expect(running!.steps.map((s) => s.step)).toEqual(['fetch-config', 'image', 'start']);
  expect((await proxy.get()).body).toBe('sample-app v1\n');

  const record = await finished(id);
  expect(record.outcome, record.error ?? '').toBe('succeeded');
  expect(record.steps.map((s) => s.step)).toEqual([
    'fetch-config',
    'image',
    'start',
    'health',
    'switch',
    'drain',
    'retire',
  ]);
  expect((await proxy.get()).body).toBe('sample-app v2\n');

  const list = await call('GET', '/api/deploys');
  const deploys = list.json.deploys as Array<Record<string, unknown>>;
  expect(deploys.map((d) => [d.image, d.outcome])).toEqual([
    [images.tags.v2, 'succeeded'],
    [images.tags.v1, 'succeeded'],
  ]);
  expect(deploys[0]).not.toHaveProperty('configText');
});

test('bad requests: a config that is not a string is 400, an unknown deploy 404; a config URL that fails is a failed deploy', async () => {
  expect((await call('POST', '/api/deploys', { body: { config: 5 } })).status).toBe(400);
  expect((await call('GET', '/api/deploys/20200101-000000-0000')).status).toBe(404);
  const started = await call('POST', '/api/deploys', { body: { config: `${configBase}/missing.json` } });
  expect(started.status).toBe(202);
  // It failed before the launcher had a record for it (fetching the config): GET /ID still says what happened.
  const record = await finished(started.json.id as string);
  expect(record).toMatchObject({ outcome: 'failed', error: `${configBase}/missing.json: HTTP 404 Not Found` });
  expect((await proxy.get()).body).toBe('sample-app v2\n');
  // …and the API takes the next deploy: a failed one does not keep it busy.
  const again = await call('POST', '/api/deploys', { body: { config: `${configBase}/missing.json` } });
  expect(again.status).toBe(202);
  expect((await finished(again.json.id as string)).outcome).toBe('failed');
});

test('GET /api/deploys/ID still finds a finished deploy of another app, started with {"config": URL}', async () => {
  const other = uniqueName();
  // A container that exits at once: the health gate fails it fast, after the record was written to `other`'s history.
  const config = work.write(
    'other-app.json',
    configDocument(other, { image: images.tags.v1!, cmd: ['/bin/sh', '-c', 'exit 3'] }),
  );
  try {
    const started = await call('POST', '/api/deploys', { body: { config } });
    expect(started.status).toBe(202);
    const record = await finished(started.json.id as string);
    expect(record, record.error ?? '').toMatchObject({ id: started.json.id, app: other, outcome: 'failed' });
    expect((await call('GET', `/api/deploys/${started.json.id as string}`)).status).toBe(200);
    expect((await proxy.get()).body).toBe('sample-app v2\n');
  } finally {
    await removeAppContainers(other);
  }
});

test('`wunderproxy launcher CONFIG` serves the same API from the CLI', async () => {
  const port = await freePort();
  const { spawn } = await import('node:child_process');
  const child = spawn(
    process.execPath,
    [
      cliMain,
      'launcher',
      work.write('v1-cli.json', configDocument(name, { image: images.tags.v1! })),
      '--listen',
      `127.0.0.1:${port}`,
      '--token',
      TOKEN,
      '--state-dir',
      work.stateDir(name),
      '--admin',
      proxy.adminUrl,
      '--redis',
      redis.url,
      '--log-level',
      'warn',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    await waitForPort(port);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/api/deploys`, { method: 'POST' })).status).toBe(401);
    const started = await fetch(`${base}/api/deploys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(started.status, output).toBe(202);
    const { id } = (await started.json()) as { id: string };
    let record: DeployRecord | undefined;
    for (let i = 0; i < 300 && (record === undefined || record.outcome === 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const response = await fetch(`${base}/api/deploys/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      if (response.status === 200) record = (await response.json()) as DeployRecord;
    }
    expect(record?.outcome, output).toBe('succeeded');
    expect((await proxy.get()).body).toBe('sample-app v1\n');
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});
