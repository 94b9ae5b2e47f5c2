import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  appContainers,
  buildSampleImages,
  configDocument,
  type ListedContainer,
  launchFlags,
  removeAppContainers,
  runCli,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

// One app deployed once (v1); every bad input afterwards must exit 2, say exactly what is wrong and change nothing.
let redis: RedisServer;
let images: SampleImages;
let work: Workdir;
let proxy: TestProxy;
let flags: string[];
let configServer: Server;
let configBase: string;
const name = uniqueName();
let before: { containers: ListedContainer[]; history: string; stateFiles: string[]; backend: unknown };

async function snapshot() {
  const stateDir = work.stateDir(name);
  return {
    containers: await appContainers(name),
    history: readFileSync(join(stateDir, name, 'history.json'), 'utf8'),
    stateFiles: readdirSync(stateDir).sort(),
    backend: await (await fetch(`${proxy.adminUrl}/api/backend`)).json(),
  };
}

beforeAll(async () => {
  [redis, images] = await Promise.all([startRedis(), buildSampleImages(['v1'])]);
  work = new Workdir();
  proxy = await startTestProxy(name, redis.url);
  flags = launchFlags({ stateDir: work.stateDir(name), adminUrl: proxy.adminUrl, redisUrl: redis.url });
  const result = await runCli([
    'launch',
    work.write('v1.json', configDocument(name, { image: images.tags.v1! })),
    ...flags,
  ]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  // Serves one good config at /good.json; everything else is a 404.
  const good = JSON.stringify(configDocument(name, { image: images.tags.v1! }));
  configServer = createServer((req, res) => {
    if (req.url === '/good.json') res.writeHead(200, { 'content-type': 'application/json' }).end(good);
    else res.writeHead(404).end('not here');
  });
  await new Promise<void>((resolve) => configServer.listen(0, '127.0.0.1', resolve));
  configBase = `http://127.0.0.1:${(configServer.address() as AddressInfo).port}`;
  before = await snapshot();
});

afterAll(async () => {
  configServer?.close();
  await proxy?.close(500);
  await removeAppContainers(name);
  await images?.remove();
  await redis?.stop();
  work?.remove();
});

async function expectBadInput(config: string, message: RegExp): Promise<void> {
  const result = await runCli(['launch', config, ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(2);
  expect(result.stderr).toMatch(message);
  // Nothing changed: same containers in the same states, same history, no lock left, proxy on v1.
  expect(await snapshot()).toEqual(before);
  expect(existsSync(join(work.stateDir(name), `${name}.deploy.lock`))).toBe(false);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
}

const valid = () => configDocument(name, { image: images.tags.v2 ?? 'sample-app:v2' });

test('an unknown field exits 2 naming the field', async () => {
  const doc = valid();
  (doc.container as Record<string, unknown>).replicas = 3;
  await expectBadInput(
    work.write('unknown-field.json', doc),
    /unknown-field\.json: container\.replicas: unknown field \(expected one of: port, env, /,
  );
});

test('a field of the wrong type exits 2 naming the field, what was expected and what was given', async () => {
  const doc = valid();
  (doc.container as Record<string, unknown>).port = '8080';
  await expectBadInput(
    work.write('wrong-type.json', doc),
    /wrong-type\.json: container\.port: expected an integer 1-65535, got "8080"$/m,
  );
});

test('bad JSON exits 2 with the line and column', async () => {
  await expectBadInput(
    work.write('bad.json', `{\n  "name": "${name}",\n  "image": "x" "container": {}\n}\n`),
    /bad\.json: invalid JSON at line 3, column 16: /,
  );
});

test('a missing file exits 2 with "no such file"', async () => {
  await expectBadInput(join(work.path, 'nope.json'), /nope\.json: no such file/);
});

test('a config URL that answers 404 exits 2 with the status', async () => {
  await expectBadInput(`${configBase}/missing.json`, /missing\.json: HTTP 404 Not Found/);
});

test('the same config over http deploys: the 404 above was about the URL, not the launcher', async () => {
  const result = await runCli(['launch', `${configBase}/good.json`, ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toContain(`fetched config (${configBase}/good.json)`);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  before = await snapshot();
});
