import { randomBytes } from 'node:crypto';
import { dockerClient } from '@wunderproxy/testkit/docker-engine';
import { removeImages } from '@wunderproxy/testkit/sample-app';

/** Unique per test file, so parallel runs and other engineers on the shared engine never collide. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Removes what one test file created, and only that: containers by their app label, images by their tags.
 * Uses dockerode directly so cleanup does not depend on the code under test.
 */
export async function cleanUp(app: string, tags: readonly string[]): Promise<void> {
  const docker = dockerClient();
  const containers = await docker.listContainers({ all: true, filters: { label: [`wunderproxy.name=${app}`] } });
  for (const c of containers) await docker.getContainer(c.Id).remove({ force: true, v: true });
  await removeImages(tags, docker);
}

export async function httpGet(port: number, path = '/', timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
