import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDocker } from '@wunderproxy/testkit/docker-engine';
import type { S3Server } from '@wunderproxy/testkit/swift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImage, removeImages, run, skopeo } from './commands.js';
import { pushBlob, putManifestBytes, sha256 } from './oci-client.js';
import {
  type DriverName,
  startS3,
  startTestRegistry,
  type TestRegistry,
  uniqueRepository,
} from './registry-fixture.js';

const noTls = ['--src-tls-verify=false', '--dest-tls-verify=false'];

let s3: S3Server | undefined;
beforeAll(async () => {
  await ensureDocker();
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe.each<DriverName>(['directory', 's3'])('docker and skopeo against the %s driver', (driver) => {
  let registry: TestRegistry;
  /** Every image reference this file created in the shared dockerd, removed at the end. */
  const createdImages = new Set<string>();
  let scratch: string;

  beforeAll(async () => {
    registry = await startTestRegistry(driver, s3);
    scratch = await mkdtemp(join(tmpdir(), 'wpreg-clients-'));
  });
  afterAll(async () => {
    await removeImages(createdImages);
    await registry?.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  async function buildAndPush(label: string, message: string): Promise<{ repository: string; image: string }> {
    const repository = uniqueRepository(label);
    const image = `${registry.host}/${repository}:v1`;
    createdImages.add(image);
    await buildTestImage(image, { message, payloadBytes: 3 * 1024 * 1024 });
    await run('docker', ['push', image]);
    return { repository, image };
  }

  it('takes a docker push, and the pulled image runs after the local copy was removed', async () => {
    const message = `hello from ${driver}`;
    const { image } = await buildAndPush('docker', message);
    await run('docker', ['rmi', image]);
    await run('docker', ['pull', image]);
    expect((await run('docker', ['run', '--rm', image])).trim()).toBe(message);
  });

  it('serves a multi-arch manifest list built by hand to skopeo copy --all and to docker pull', async () => {
    const message = `multi-arch on ${driver}`;
    const { repository } = await buildAndPush('multi', message);
    const amd64Bytes = await (
      await fetch(`${registry.url}/v2/${repository}/manifests/v1`, {
        headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
      })
    ).text();
    const amd64 = JSON.parse(amd64Bytes) as { config: { digest: string }; layers: unknown[]; mediaType: string };
    // The arm64 variant: the same layers under a config that says arm64 (nothing here could run it anyway).
    const config = JSON.parse(
      await (await fetch(`${registry.url}/v2/${repository}/blobs/${amd64.config.digest}`)).text(),
    ) as Record<string, unknown>;
    const armConfig = JSON.stringify({ ...config, architecture: 'arm64', variant: 'v8' });
    const armConfigDigest = await pushBlob(registry.url, repository, armConfig);
    const armManifest = JSON.stringify({
      ...amd64,
      config: { ...amd64.config, digest: armConfigDigest, size: Buffer.byteLength(armConfig) },
    });
    const arm64 = await putManifestBytes(registry.url, repository, sha256(armManifest), armManifest, amd64.mediaType);
    const listType = 'application/vnd.docker.distribution.manifest.list.v2+json';
    const list = JSON.stringify({
      schemaVersion: 2,
      mediaType: listType,
      manifests: [
        {
          mediaType: amd64.mediaType,
          digest: sha256(amd64Bytes),
          size: Buffer.byteLength(amd64Bytes),
          platform: { architecture: 'amd64', os: 'linux' },
        },
        {
          mediaType: amd64.mediaType,
          digest: arm64.digest,
          size: arm64.size,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' },
        },
      ],
    });
    await putManifestBytes(registry.url, repository, 'multi', list, listType);

    const copy = uniqueRepository('copied');
    await skopeo([
      'copy',
      '--all',
      ...noTls,
      `docker://${registry.host}/${repository}:multi`,
      `docker://${registry.host}/${copy}:multi`,
    ]);
    const copiedRaw = await skopeo([
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/${copy}:multi`,
    ]);
    expect(sha256(copiedRaw)).toBe(sha256(list));
    const armInspect = JSON.parse(
      await skopeo([
        'inspect',
        '--override-arch',
        'arm64',
        '--override-variant',
        'v8',
        '--tls-verify=false',
        `docker://${registry.host}/${copy}:multi`,
      ]),
    ) as { Architecture: string };
    expect(armInspect.Architecture).toBe('arm64');

    const layout = join(scratch, `${driver}-oci-layout`);
    await skopeo([
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${registry.host}/${copy}:multi`,
      `oci:${layout}:multi`,
    ]);
    const ociIndex = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: unknown[] };
    expect(ociIndex.manifests).toHaveLength(1);

    const pulled = `${registry.host}/${copy}:multi`;
    createdImages.add(pulled);
    await run('docker', ['pull', pulled]);
    expect((await run('docker', ['run', '--rm', pulled])).trim()).toBe(message);
  });

  it('lets skopeo push from an OCI layout and delete, after which docker cannot pull', async () => {
    const { repository, image } = await buildAndPush('deleted', 'soon gone');
    const layout = join(scratch, `${driver}-roundtrip`);
    await skopeo(['copy', '--src-tls-verify=false', `docker://${image}`, `oci:${layout}:v1`]);
    const other = uniqueRepository('from-layout');
    await skopeo(['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/${other}:v1`]);
    const tags = await skopeo(['list-tags', '--tls-verify=false', `docker://${registry.host}/${other}`]);
    expect(JSON.parse(tags).Tags).toEqual(['v1']);

    await skopeo(['delete', '--tls-verify=false', `docker://${image}`]);
    expect((await fetch(`${registry.url}/v2/${repository}/manifests/v1`)).status).toBe(404);
    await run('docker', ['rmi', image]);
    await expect(run('docker', ['pull', image])).rejects.toThrow(/not found|manifest unknown/i);
  });
});
