import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@wunderproxy/testkit/ports';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { removeImages } from '@wunderproxy/testkit/sample-app';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  appContainers,
  configDocument,
  launchFlags,
  removeAppContainers,
  runCli,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import {
  type Bucket,
  type CiPush,
  ciPush,
  docker,
  engineHasImage,
  listens,
  startBucket,
  tagInBucket,
} from './support/registry-ci.js';
import { type Daemon, startDaemon } from './support/registry-daemon.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

// The registry story of the README, end to end: CI pushes the image once, straight to the bucket; every server pulls
// it through its own registry on 127.0.0.1 (pull-through from the bucket), so there is no central registry to fail.
// Real Swift (S3), dockerd and redis-server; the proxy in this process; the CLI as child processes.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let bucket: Bucket;
let redis: RedisServer;
let work: Workdir;
const proxies: TestProxy[] = [];
const apps: string[] = [];
const daemons: Daemon[] = [];
/** Image references the launches below pulled into the engine: removed at the end (only ours: dockerd is shared). */
const pulledRefs = new Set<string>();

/** The CI push runs once; the server-side tests reuse its image (and run it themselves when picked alone). */
let pushing: Promise<CiPush> | undefined;
const pushed = (): Promise<CiPush> => {
  pushing ??= ciPush(bucket);
  return pushing;
};

beforeAll(async () => {
  [bucket, redis] = await Promise.all([startBucket(), startRedis()]);
  work = new Workdir();
});

afterAll(async () => {
  await Promise.all(daemons.map((daemon) => daemon.stop('SIGKILL')));
  await Promise.all(proxies.map((proxy) => proxy.close(500)));
  await Promise.all(apps.map((name) => removeAppContainers(name)));
  const push = await pushing?.catch(() => undefined);
  await removeImages([...pulledRefs, ...(push?.removedRefs ?? [])]);
  await redis?.stop();
  await bucket?.stop();
  work?.remove();
});

/** One app on its own proxy (in process, switched through Redis): the flags every CLI run against it passes. */
async function server(label: string) {
  const name = uniqueName();
  apps.push(name);
  const proxy = await startTestProxy(name, redis.url);
  proxies.push(proxy);
  const stateDir = work.stateDir(name);
  const flags = [
    ...launchFlags({ stateDir, adminUrl: proxy.adminUrl, redisUrl: redis.url }),
    '--s3-endpoint',
    bucket.swift.endpoint,
  ];
  /** A config naming the bucket, for `image` on the registry at 127.0.0.1:port. */
  const config = (port: number, repositoryAndTag: string): { path: string; image: string } => {
    const image = `127.0.0.1:${port}/${repositoryAndTag}`;
    pulledRefs.add(image);
    const document = configDocument(name, { image, extra: { registry: { bucket: bucket.url } } });
    return { path: work.write(`${name}-${label}-${port}.json`, document), image };
  };
  return { name, proxy, stateDir, flags, config };
}

/** A port on 127.0.0.1 that nobody listens on (the one a config's image names: the server's own registry). */
async function unservedPort(): Promise<number> {
  const port = await freePort();
  expect(await listens(port)).toBe(false);
  return port;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function sha256File(path: string): string {
  return `sha256:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
}

/** `<registry dir>/blobs/sha256/ab/abcd…/data`: where the registry keeps a blob (the README's layout). */
function blobPath(registryDir: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return join(registryDir, 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
}

test('CI push: docker push through a registry stored in the bucket; afterwards the engine no longer has the image', async () => {
  const started = performance.now();
  const { repository, digest, imageId, removedRefs } = await pushed();
  console.info(`CI push (build, push, registry stop, rmi): ${Math.round(performance.now() - started)} ms`);

  // The bucket holds the tag (the registry's layout under the prefix), pointing at the manifest docker pushed.
  expect(await tagInBucket(bucket, repository, 'v1')).toBe(digest);
  // The CI registry is gone and so is the image: whatever runs it next must pull it.
  for (const ref of [...removedRefs, imageId]) expect(await engineHasImage(ref), ref).toBe(false);
  expect(await listens(Number(/^127\.0\.0\.1:(\d+)\//.exec(removedRefs[0]!)![1]))).toBe(false);
});

test('server deploy: `launch` serves its own registry on the port the image names, pulls through it from the bucket, keeps the blobs', async () => {
  const { repository, digest } = await pushed();
  const { name, proxy, stateDir, flags, config } = await server('deploy');
  const port = await unservedPort();
  const { path, image } = config(port, `${repository}:v1`);

  const result = await runCli(['launch', path, ...flags], { env: bucket.env });
  console.info(`launch with pull-through: ${Math.round(result.durationMs)} ms`);
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(
    new RegExp(
      `^pulled image ${escapeRegExp(image)} through ${escapeRegExp(`http://127.0.0.1:${port}`)} \\(pull-through ${escapeRegExp(bucket.url)}\\) \\d`,
      'm',
    ),
  );
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  const containers = await appContainers(name);
  expect(containers.map((c) => [c.image, c.state])).toEqual([[image, 'running']]);

  // What the pull read from the bucket stays on this server, intact: the manifest, the image config and the app's
  // own layer (unique to this build). The engine skips downloading layers it already holds, such as the busybox
  // layer every sample-app image shares, so those never reach the registry and are not required here.
  const registryDir = join(stateDir, 'registry');
  const manifestFile = blobPath(registryDir, digest);
  expect(existsSync(manifestFile), manifestFile).toBe(true);
  expect(sha256File(manifestFile)).toBe(digest);
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    config: { digest: string };
    layers: { digest: string }[];
  };
  for (const { digest: blob } of [manifest.config, manifest.layers.at(-1)!]) {
    const file = blobPath(registryDir, blob);
    expect(existsSync(file), `${blob} kept under ${registryDir}`).toBe(true);
    expect(sha256File(file)).toBe(blob);
  }
  expect(
    readFileSync(join(registryDir, 'repositories', repository, '_manifests/tags/v1/current/link'), 'utf8').trim(),
  ).toBe(digest);
  // The registry lived only for the pull.
  expect(await listens(port)).toBe(false);
});

test('`launcher` with --registry-listen serves the server registry from the bucket while it runs; SIGTERM exits 0', async () => {
  const { repository } = await pushed();
  const { name, proxy, stateDir, flags, config } = await server('launcher');
  const port = await unservedPort();
  const apiPort = await freePort();
  const { path, image } = config(port, `${repository}:v1`);

  const launcher = startDaemon(
    ['launcher', path, '--listen', `127.0.0.1:${apiPort}`, '--registry-listen', `127.0.0.1:${port}`, ...flags],
    bucket.env,
  );
  daemons.push(launcher);
  const registryLine = await launcher.logged('registry listening');
  expect(registryLine).toMatchObject({
    registry: `http://127.0.0.1:${port}`,
    storage: join(stateDir, 'registry'),
    pullThrough: bucket.url,
  });
  await launcher.logged('launcher listening');

  const ping = await fetch(`http://127.0.0.1:${port}/v2/`);
  expect(ping.status).toBe(200);
  expect(ping.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  // Nothing was pulled on this server yet: the tag list comes from the bucket.
  expect(existsSync(join(stateDir, 'registry', 'repositories', repository))).toBe(false);
  const tags = await fetch(`http://127.0.0.1:${port}/v2/${repository}/tags/list`);
  expect(tags.status).toBe(200);
  expect(await tags.json()).toEqual({ name: repository, tags: ['v1'] });

  // A deploy through the API pulls through that running registry (it does not start another one).
  const started = await fetch(`http://127.0.0.1:${apiPort}/api/deploys`, { method: 'POST' });
  expect(started.status).toBe(202);
  const { id } = (await started.json()) as { id: string };
  let record: { outcome: string; error: string | null; steps: { step: string; message: string }[] };
  const deadline = Date.now() + 30_000;
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    record = (await (await fetch(`http://127.0.0.1:${apiPort}/api/deploys/${id}`)).json()) as typeof record;
  } while (record.outcome === 'running' && Date.now() < deadline);
  expect(record.outcome, record.error ?? launcher.stdout()).toBe('succeeded');
  expect(record.steps.find((s) => s.step === 'image')?.message).toBe(`pulled image ${image}`);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  expect((await appContainers(name)).map((c) => c.state)).toEqual(['running']);

  // CI may push to any server's registry instead: the push lands in the bucket, for every other server to pull.
  const viaServer = `127.0.0.1:${port}/${repository}:via-server`;
  pulledRefs.add(viaServer);
  await docker(['tag', image, viaServer]);
  const pushOutput = await docker(['push', viaServer]);
  expect(await tagInBucket(bucket, repository, 'via-server')).toBe(
    /digest: (sha256:[0-9a-f]{64})/.exec(pushOutput)?.[1],
  );

  const ended = await launcher.stop('SIGTERM');
  expect(ended, launcher.stderr()).toEqual({ code: 0, signal: null });
  expect(await listens(port)).toBe(false);
  expect(await listens(apiPort)).toBe(false);
});

test('an image the bucket does not have: `launch` exits 1 with the pull error and changes nothing', async () => {
  const { repository } = await pushed();
  const { name, proxy, flags, config } = await server('missing');
  const port = await unservedPort();

  // What serves now: v1, pulled through this server's registry like any deploy.
  const v1 = config(port, `${repository}:v1`);
  const first = await runCli(['launch', v1.path, ...flags], { env: bucket.env });
  expect(first.code, first.stderr + first.stdout).toBe(0);
  const backendBefore = await (await fetch(`${proxy.adminUrl}/api/backend`)).json();
  const containersBefore = await appContainers(name);
  expect(containersBefore.map((c) => c.state)).toEqual(['running']);

  // CI never pushed v2.
  const v2 = config(port, `${repository}:v2`);
  const result = await runCli(['launch', v2.path, ...flags], { env: bucket.env });
  console.info(`failed launch (image not in the bucket): ${Math.round(result.durationMs)} ms`);
  expect(result.code, result.stderr + result.stdout).toBe(1);
  expect(result.stdout).toMatch(new RegExp(`^ERROR image failed: pulling ${escapeRegExp(v2.image)} failed: `, 'm'));
  expect(result.stderr).toMatch(
    new RegExp(`^wunderproxy: pulling ${escapeRegExp(v2.image)} failed: .*(not found|unknown)`, 'im'),
  );
  expect(await engineHasImage(v2.image)).toBe(false);

  // Nothing changed: the proxy is on the same backend, serving v1 from the same (only) container.
  expect(await (await fetch(`${proxy.adminUrl}/api/backend`)).json()).toEqual(backendBefore);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
  expect(await appContainers(name)).toEqual(containersBefore);
  expect(await listens(port)).toBe(false);
});

test('`launcher --registry s3://…` with a config naming the bucket serves the bucket itself (no pull-through needed)', async () => {
  const { repository } = await pushed();
  const { stateDir, flags, config } = await server('s3-storage');
  const port = await unservedPort();
  const { path } = config(port, `${repository}:v1`);
  const launcher = startDaemon(
    [
      'launcher',
      path,
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--registry',
      bucket.url,
      '--registry-listen',
      `127.0.0.1:${port}`,
      ...flags,
    ],
    bucket.env,
  );
  daemons.push(launcher);
  expect(await launcher.logged('registry listening')).toMatchObject({ storage: bucket.url, pullThrough: null });
  const tags = await fetch(`http://127.0.0.1:${port}/v2/${repository}/tags/list`);
  // (v1 from CI, and the tag pushed through the server registry above when that test ran)
  expect(await tags.json()).toEqual({ name: repository, tags: expect.arrayContaining(['v1']) });
  expect(existsSync(join(stateDir, 'registry'))).toBe(false);
  expect(await launcher.stop('SIGTERM'), launcher.stderr()).toEqual({ code: 0, signal: null });
});
