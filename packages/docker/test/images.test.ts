import { dockerClient, ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { buildSampleApp, removeImages } from '@wunderproxy/testkit/sample-app';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerClient, type ImageProgressEvent, ImagePullFailedError, logProgress } from '../src/index.js';
import { cleanUp, httpGet, uniqueSuffix } from './fixtures.js';
import { type ReferenceRegistry, startReferenceRegistry } from './reference-registry.js';

const suffix = uniqueSuffix();
const app = `itest${suffix}`;
const local = `wp-docker-test-${suffix}/sample-app:v2`;
const client = new DockerClient();
let registry: ReferenceRegistry;
let remote: string;

beforeAll(async () => {
  await ensureDocker();
  registry = await startReferenceRegistry();
  remote = `${registry.host}/wp-docker-test-${suffix}/sample-app:v2`;
});

afterAll(async () => {
  await cleanUp(app, [local, remote]);
  await registry?.stop();
});

describe('images', () => {
  it('finds an image that is present without pulling it', async () => {
    const id = await buildSampleApp({ tag: local, version: 'v2' });
    const events: ImageProgressEvent[] = [];
    const ensured = await client.ensureImage(local, { onProgress: (e) => events.push(e) });
    expect(ensured).toEqual({ ref: local, id, pulled: false });
    expect(events).toEqual([]);
    expect(await client.inspectImage(local)).toMatchObject({ id, labels: { 'wunderproxy.test': '1' } });
    expect(await client.inspectImage(`wp-docker-test-${suffix}/absent:v1`)).toBeUndefined();
  });

  it('fails quickly with the engine message when the registry is unreachable', async () => {
    const started = performance.now();
    const error = await client.ensureImage('127.0.0.1:1/nothing:latest').catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(error).toBeInstanceOf(ImagePullFailedError);
    expect(error).toMatchObject({ code: 'IMAGE_PULL_FAILED' });
    expect((error as ImagePullFailedError).registryMessage).toMatch(/127\.0\.0\.1:1/);
    expect((error as Error).message).toMatch(/^pulling 127\.0\.0\.1:1\/nothing:latest failed: /);
  });

  it('reports a tag the registry does not have', async () => {
    const error = await client
      .ensureImage(`${registry.host}/wp-docker-test-${suffix}/never:v1`)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'IMAGE_PULL_FAILED' });
    expect((error as Error).message).toMatch(/not found|unknown/i);
  });

  it('pushes to a plain-HTTP registry on 127.0.0.1 and pulls the image back with per-layer progress', async () => {
    await client.tagImage(local, remote);
    const pushed: ImageProgressEvent[] = [];
    const { digest } = await client.pushImage(remote, { onProgress: (e) => pushed.push(e) });
    expect(digest).toMatch(/^sha256:/);
    expect(pushed.some((e) => e.kind === 'layer' && e.phase === 'pushed')).toBe(true);

    // Drop every local name so the pull has to download the layers, not just find them.
    await removeImages([local, remote], dockerClient());
    expect(await client.inspectImage(remote)).toBeUndefined();

    const events: ImageProgressEvent[] = [];
    const lines: string[] = [];
    const log = logProgress((line) => lines.push(line));
    const ensured = await client.ensureImage(remote, {
      onProgress: (event) => {
        events.push(event);
        log.onProgress(event);
      },
    });
    log.finish();
    expect(ensured.pulled).toBe(true);
    expect(ensured.id).toMatch(/^sha256:/);

    const layers = events.filter((e) => e.kind === 'layer');
    expect(layers.length).toBeGreaterThan(0);
    expect(layers.some((e) => e.phase === 'downloading' && e.total && e.current !== undefined)).toBe(true);
    expect(layers.some((e) => e.phase === 'complete')).toBe(true);
    expect(events.some((e) => e.kind === 'message' && /Downloaded newer image/.test(e.message))).toBe(true);
    // One log line per layer state, not per chunk.
    expect(lines.length).toBeLessThan(events.length + 1);
    expect(new Set(lines).size).toBe(lines.length);

    const container = await client.runAppContainer({
      name: app,
      deployId: 'pulled',
      image: remote,
      port: 8080,
      init: true,
    });
    expect((await httpGet(container.hostPort!)).body).toBe('sample-app v2\n');
  });
});
