import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAnswers, dockerClient, ensureDocker } from '../src/docker-engine.js';
import { buildSampleApp, removeImages, TEST_LABEL } from '../src/sample-app.js';

const docker = dockerClient();
const suffix = randomBytes(4).toString('hex');
const tags = [`wp-testkit-${suffix}/sample-app:v1`, `wp-testkit-${suffix}/sample-app:broken`];
const containers: string[] = [];

beforeAll(async () => {
  await ensureDocker();
}, 40_000);

afterAll(async () => {
  for (const id of containers) await docker.getContainer(id).remove({ force: true });
  await removeImages(tags);
});

async function runAndGet(image: string, path: string): Promise<{ status: number; body: string }> {
  const container = await docker.createContainer({
    Image: image,
    name: `wp-testkit-${suffix}-${containers.length}`,
    Labels: { [TEST_LABEL]: '1' },
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { Init: true, PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  containers.push(container.id);
  await container.start();
  const port = (await container.inspect()).NetworkSettings.Ports['8080/tcp']?.[0]?.HostPort;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('docker engine', () => {
  it('answers a ping once ensureDocker returned', async () => {
    expect(await dockerAnswers()).toBe(true);
  });
});

describe('sample app image', () => {
  it('builds fast, is labelled, and serves its version and /health', async () => {
    const started = performance.now();
    const id = await buildSampleApp({ tag: tags[0]!, version: 'v1' });
    const buildMs = performance.now() - started;
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(buildMs).toBeLessThan(10_000);
    const info = await docker.getImage(tags[0]!).inspect();
    expect(info.Id).toBe(id);
    expect(info.Config.Labels?.[TEST_LABEL]).toBe('1');
    expect(await runAndGet(tags[0]!, '/')).toEqual({ status: 200, body: 'sample-app v1\n' });
    expect((await runAndGet(tags[0]!, '/health')).status).toBe(200);
  }, 60_000);

  it('builds an unhealthy variant whose /health answers 404', async () => {
    await buildSampleApp({ tag: tags[1]!, version: 'broken', healthy: false });
    expect((await runAndGet(tags[1]!, '/')).body).toBe('sample-app broken\n');
    expect((await runAndGet(tags[1]!, '/health')).status).toBe(404);
  }, 60_000);

  it('removeImages ignores tags that do not exist', async () => {
    await expect(removeImages([`wp-testkit-${suffix}/never:built`])).resolves.toBeUndefined();
  });
});
