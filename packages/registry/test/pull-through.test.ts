import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@wunderproxy/testkit/ports';
import type { S3Server } from '@wunderproxy/testkit/swift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../src/digest.js';
import { startRegistry } from '../src/index.js';
import { layout } from '../src/layout.js';
import { buildTestImage, removeImages, run } from './commands.js';
import { pushImageManifest, sha256 } from './oci-client.js';
import { startS3, startTestRegistry, type TestRegistry, uniqueRepository } from './registry-fixture.js';

describe('S3 storage and pull-through', () => {
  let s3: S3Server;
  let central: TestRegistry;
  let localRoot: string;

  beforeAll(async () => {
    s3 = await startS3();
    central = await startTestRegistry('s3', s3);
    localRoot = await mkdtemp(join(tmpdir(), 'wpreg-local-'));
  });
  afterAll(async () => {
    await central?.stop();
    await s3?.stop();
    if (localRoot) await rm(localRoot, { recursive: true, force: true });
  });

  it('stores a 40 MiB layer pushed in chunks as a multipart object and serves it back intact', async () => {
    const repository = uniqueRepository('big');
    const bytes = randomBytes(40 * 1024 * 1024);
    const digest = sha256(bytes);
    const started = await fetch(`${central.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    let location = started.headers.get('location')!;
    const chunk = 15 * 1024 * 1024;
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      const part = bytes.subarray(offset, Math.min(offset + chunk, bytes.length));
      const patched = await fetch(`${central.url}${location}`, {
        method: 'PATCH',
        headers: { 'Content-Range': `${offset}-${offset + part.length - 1}` },
        body: part,
      });
      expect(patched.status).toBe(202);
      location = patched.headers.get('location')!;
    }
    const finished = await fetch(`${central.url}${location}?digest=${digest}`, { method: 'PUT' });
    expect(finished.status).toBe(201);
    const got = Buffer.from(await (await fetch(`${central.url}/v2/${repository}/blobs/${digest}`)).arrayBuffer());
    expect(sha256(got)).toBe(digest);
  });

  it('reads what the local directory lacks from the bucket, keeps it, and writes pushes through to the bucket', async () => {
    const repository = uniqueRepository('pulled');
    const pushed = await pushImageManifest(central.url, repository, 'v1');
    const local = await startRegistry({
      storage: `file://${localRoot}`,
      pullThrough: `s3://${central.location}/registry`,
      listen: '127.0.0.1:0',
      s3: { endpoint: s3.endpoint, region: s3.region },
    });
    try {
      const manifest = await fetch(`${local.url}/v2/${repository}/manifests/v1`);
      expect(manifest.status).toBe(200);
      expect(await manifest.text()).toBe(pushed.bytes);
      const layer = (JSON.parse(pushed.bytes) as { layers: { digest: string }[] }).layers[0]!.digest;
      const blob = await fetch(`${local.url}/v2/${repository}/blobs/${layer}`);
      expect(blob.status).toBe(200);
      await blob.arrayBuffer();
      expect((await stat(join(localRoot, layout.blob(parseDigest(layer))))).isFile()).toBe(true);

      const other = uniqueRepository('through');
      const second = await pushImageManifest(local.url, other, 'v2');
      const fromCentral = await fetch(`${central.url}/v2/${other}/manifests/v2`);
      expect(fromCentral.headers.get('docker-content-digest')).toBe(second.digest);
    } finally {
      await local.close(1000);
    }
  });

  it('keeps serving what the directory already holds while the bucket is unreachable', async () => {
    const repository = uniqueRepository('offline');
    const pushed = await pushImageManifest(central.url, repository, 'v1');
    const online = await startRegistry({
      storage: `file://${localRoot}`,
      pullThrough: `s3://${central.location}/registry`,
      listen: '127.0.0.1:0',
      s3: { endpoint: s3.endpoint, region: s3.region },
    });
    const layer = (JSON.parse(pushed.bytes) as { layers: { digest: string }[] }).layers[0]!.digest;
    try {
      expect((await fetch(`${online.url}/v2/${repository}/manifests/v1`)).status).toBe(200);
      await (await fetch(`${online.url}/v2/${repository}/blobs/${layer}`)).arrayBuffer();
    } finally {
      await online.close(1000);
    }
    // Nothing listens on this port: every S3 call fails to connect.
    const offline = await startRegistry({
      storage: `file://${localRoot}`,
      pullThrough: `s3://${central.location}/registry`,
      listen: '127.0.0.1:0',
      s3: { endpoint: `http://127.0.0.1:${await freePort()}`, region: s3.region },
    });
    try {
      const manifest = await fetch(`${offline.url}/v2/${repository}/manifests/v1`);
      expect(manifest.status).toBe(200);
      expect(manifest.headers.get('docker-content-digest')).toBe(pushed.digest);
      const blob = await fetch(`${offline.url}/v2/${repository}/blobs/${layer}`);
      expect(blob.status).toBe(200);
      expect(sha256(Buffer.from(await blob.arrayBuffer()))).toBe(layer);
    } finally {
      await offline.close(1000);
    }
  });

  it('lets docker pull through a server-local registry an image CI pushed to the bucket, and run it', async () => {
    const repository = uniqueRepository('launcher');
    const local = await startRegistry({
      storage: `file://${localRoot}`,
      pullThrough: `s3://${central.location}/registry`,
      listen: '127.0.0.1:0',
      s3: { endpoint: s3.endpoint, region: s3.region },
    });
    const pushed = `${central.host}/${repository}:v1`;
    const pulled = `127.0.0.1:${local.port}/${repository}:v1`;
    try {
      await buildTestImage(pushed, { message: 'pulled through', payloadBytes: 1024 * 1024 });
      await run('docker', ['push', pushed]);
      await run('docker', ['rmi', pushed]);
      await run('docker', ['pull', pulled]);
      expect((await run('docker', ['run', '--rm', pulled])).trim()).toBe('pulled through');
    } finally {
      await removeImages([pushed, pulled]);
      await local.close(1000);
    }
  });
});
