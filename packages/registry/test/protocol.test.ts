import type { S3Server } from '@wunderproxy/testkit/swift';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDigest } from '../src/digest.js';
import { layout } from '../src/layout.js';
import { errorCode, pushBlob, pushImageManifest, putManifestBytes, rawRequest, sha256, sha512 } from './oci-client.js';
import {
  type DriverName,
  startS3,
  startTestRegistry,
  type TestRegistry,
  uniqueRepository,
} from './registry-fixture.js';

let s3: S3Server | undefined;
beforeAll(async () => {
  s3 = await startS3();
});
afterAll(async () => {
  await s3?.stop();
});

describe.each<DriverName>(['directory', 's3'])('distribution API on the %s driver', (driver) => {
  let registry: TestRegistry;
  let base: string;
  beforeAll(async () => {
    registry = await startTestRegistry(driver, s3);
    base = registry.url;
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('answers the version check with the API version header', async () => {
    const response = await fetch(`${base}/v2/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('stores a monolithic upload and serves it with its digest, whole and by range', async () => {
    const repository = uniqueRepository('blobs');
    const bytes = 'hello, content-addressed world';
    const digest = await pushBlob(base, repository, bytes);
    const head = await fetch(`${base}/v2/${repository}/blobs/${digest}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('docker-content-digest')).toBe(digest);
    const whole = await fetch(`${base}/v2/${repository}/blobs/${digest}`);
    expect(await whole.text()).toBe(bytes);
    expect(whole.headers.get('docker-content-digest')).toBe(digest);
    const part = await fetch(`${base}/v2/${repository}/blobs/${digest}`, { headers: { Range: 'bytes=7-13' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 7-13/${bytes.length}`);
    expect(await part.text()).toBe('content');
    const beyond = await fetch(`${base}/v2/${repository}/blobs/${digest}`, { headers: { Range: 'bytes=999-' } });
    expect(beyond.status).toBe(416);
  });

  it('refuses a blob whose bytes do not match its digest and stores nothing', async () => {
    const repository = uniqueRepository('wrong');
    const claimed = sha256('the bytes I promised');
    const response = await fetch(`${base}/v2/${repository}/blobs/uploads/?digest=${claimed}`, {
      method: 'POST',
      body: 'other bytes entirely',
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('DIGEST_INVALID');
    const head = await fetch(`${base}/v2/${repository}/blobs/${claimed}`, { method: 'HEAD' });
    expect(head.status).toBe(404);
    const actual = parseDigest(sha256('other bytes entirely'));
    expect(await registry.running.handler.storage.stat(layout.blob(actual))).toBeUndefined();
    expect(await registry.running.handler.storage.stat(layout.blob(parseDigest(claimed)))).toBeUndefined();
  });

  it('assembles a chunked upload, reports progress and refuses an out-of-order chunk with 416', async () => {
    const repository = uniqueRepository('chunked');
    const chunks = ['first chunk;', 'second chunk;', 'last chunk'];
    const whole = chunks.join('');
    const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    const location = started.headers.get('location')!;
    expect(started.headers.get('docker-upload-uuid')).toBeTruthy();
    const first = await fetch(`${base}${location}`, {
      method: 'PATCH',
      headers: { 'Content-Range': `0-${chunks[0]!.length - 1}`, 'Content-Type': 'application/octet-stream' },
      body: chunks[0],
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('range')).toBe(`0-${chunks[0]!.length - 1}`);
    const outOfOrder = await fetch(`${base}${location}`, {
      method: 'PATCH',
      headers: { 'Content-Range': '100-105' },
      body: 'xxxxxx',
    });
    expect(outOfOrder.status).toBe(416);
    const second = await fetch(`${base}${first.headers.get('location')}`, {
      method: 'PATCH',
      headers: { 'Content-Range': `${chunks[0]!.length}-${chunks[0]!.length + chunks[1]!.length - 1}` },
      body: chunks[1],
    });
    expect(second.status).toBe(202);
    const status = await fetch(`${base}${location}`);
    expect(status.status).toBe(204);
    expect(status.headers.get('range')).toBe(`0-${chunks[0]!.length + chunks[1]!.length - 1}`);
    const digest = sha256(whole);
    const finished = await fetch(`${base}${location}?digest=${digest}`, { method: 'PUT', body: chunks[2] });
    expect(finished.status).toBe(201);
    expect(finished.headers.get('docker-content-digest')).toBe(digest);
    expect(finished.headers.get('location')).toBe(`/v2/${repository}/blobs/${digest}`);
    expect(await (await fetch(`${base}/v2/${repository}/blobs/${digest}`)).text()).toBe(whole);
  });

  it('verifies sha512 digests too', async () => {
    const repository = uniqueRepository('sha512');
    const bytes = 'hashed with sha512';
    const digest = sha512(bytes);
    const response = await fetch(`${base}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      body: bytes,
    });
    expect(response.status).toBe(201);
    const got = await fetch(`${base}/v2/${repository}/blobs/${digest}`);
    expect(got.headers.get('docker-content-digest')).toBe(digest);
    expect(await got.text()).toBe(bytes);
  });

  it('cancels an upload session', async () => {
    const repository = uniqueRepository('cancel');
    const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = started.headers.get('location')!;
    expect((await fetch(`${base}${location}`, { method: 'DELETE' })).status).toBe(204);
    const status = await fetch(`${base}${location}`);
    expect(status.status).toBe(404);
    expect(await errorCode(status)).toBe('BLOB_UPLOAD_UNKNOWN');
  });

  it('mounts a blob from another repository, and falls back to a session when the source lacks it', async () => {
    const source = uniqueRepository('source');
    const target = uniqueRepository('target');
    const digest = await pushBlob(base, source, 'shared layer bytes');
    const mounted = await fetch(`${base}/v2/${target}/blobs/uploads/?mount=${digest}&from=${source}`, {
      method: 'POST',
    });
    expect(mounted.status).toBe(201);
    expect(mounted.headers.get('docker-content-digest')).toBe(digest);
    expect(await (await fetch(`${base}/v2/${target}/blobs/${digest}`)).text()).toBe('shared layer bytes');
    const unknown = sha256('nobody pushed this');
    const fallback = await fetch(`${base}/v2/${target}/blobs/uploads/?mount=${unknown}&from=${source}`, {
      method: 'POST',
    });
    expect(fallback.status).toBe(202);
    expect(fallback.headers.get('location')).toMatch(/\/blobs\/uploads\//);
  });

  it('serves manifests by tag and digest with the exact bytes and media type pushed', async () => {
    const repository = uniqueRepository('manifests');
    for (const mediaType of [
      'application/vnd.oci.image.manifest.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json',
    ]) {
      const pushed = await pushImageManifest(base, repository, 'v1', {}, mediaType);
      for (const reference of ['v1', pushed.digest]) {
        const response = await fetch(`${base}/v2/${repository}/manifests/${reference}`, {
          headers: { Accept: mediaType },
        });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe(mediaType);
        expect(response.headers.get('docker-content-digest')).toBe(pushed.digest);
        expect(await response.text()).toBe(pushed.bytes);
      }
      const head = await fetch(`${base}/v2/${repository}/manifests/v1`, { method: 'HEAD' });
      expect(head.headers.get('content-length')).toBe(String(pushed.size));
    }
  });

  it('stores OCI indexes and Docker manifest lists over manifests the repository holds', async () => {
    const repository = uniqueRepository('index');
    const amd = await pushImageManifest(base, repository, 'amd64');
    const arm = await pushImageManifest(base, repository, 'arm64');
    for (const [mediaType, child] of [
      ['application/vnd.oci.image.index.v1+json', 'application/vnd.oci.image.manifest.v1+json'],
      ['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.manifest.v1+json'],
    ] as const) {
      const index = JSON.stringify({
        schemaVersion: 2,
        mediaType,
        manifests: [
          { mediaType: child, digest: amd.digest, size: amd.size, platform: { architecture: 'amd64', os: 'linux' } },
          { mediaType: child, digest: arm.digest, size: arm.size, platform: { architecture: 'arm64', os: 'linux' } },
        ],
      });
      const pushed = await putManifestBytes(base, repository, 'multi', index, mediaType);
      const response = await fetch(`${base}/v2/${repository}/manifests/multi`);
      expect(response.headers.get('content-type')).toBe(mediaType);
      expect(response.headers.get('docker-content-digest')).toBe(pushed.digest);
    }
    const dangling = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256('nothing'), size: 7 }],
    });
    const refused = await fetch(`${base}/v2/${repository}/manifests/dangling`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.index.v1+json' },
      body: dangling,
    });
    expect(refused.status).toBe(404);
    expect(await errorCode(refused)).toBe('MANIFEST_UNKNOWN');
  });

  it('refuses manifests with unknown blobs or a digest that does not match', async () => {
    const repository = uniqueRepository('refused');
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('no config'), size: 9 },
      layers: [],
    });
    const unknownBlob = await fetch(`${base}/v2/${repository}/manifests/v1`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expect(unknownBlob.status).toBe(400);
    expect(await errorCode(unknownBlob)).toBe('MANIFEST_BLOB_UNKNOWN');
    const wrongDigest = await fetch(`${base}/v2/${repository}/manifests/${sha256('something else')}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    expect(await errorCode(wrongDigest)).toBe('DIGEST_INVALID');
    const missing = await fetch(`${base}/v2/${repository}/manifests/nope`);
    expect(missing.status).toBe(404);
    expect(await errorCode(missing)).toBe('MANIFEST_UNKNOWN');
  });

  it('lists tags in order, paginated with n, last and a Link header', async () => {
    const repository = uniqueRepository('tags');
    const tags = ['a1', 'b2', 'c3', 'd4', 'e5'];
    for (const tag of tags) await pushImageManifest(base, repository, tag);
    const all = await fetch(`${base}/v2/${repository}/tags/list`);
    expect(await all.json()).toEqual({ name: repository, tags });
    const seen: string[] = [];
    let next: string | undefined = `/v2/${repository}/tags/list?n=2`;
    let pages = 0;
    while (next) {
      const page = await fetch(`${base}${next}`);
      seen.push(...((await page.json()) as { tags: string[] }).tags);
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      pages += 1;
    }
    expect(seen).toEqual(tags);
    expect(pages).toBe(3);
    const after = await fetch(`${base}/v2/${repository}/tags/list?last=c3`);
    expect(((await after.json()) as { tags: string[] }).tags).toEqual(['d4', 'e5']);
    const unknown = await fetch(`${base}/v2/${uniqueRepository('never')}/tags/list`);
    expect(await errorCode(unknown)).toBe('NAME_UNKNOWN');
  });

  it('lists repositories in the catalog, paginated', async () => {
    const repository = uniqueRepository('catalog');
    await pushImageManifest(base, repository, 'v1');
    const catalog = (await (await fetch(`${base}/v2/_catalog`)).json()) as { repositories: string[] };
    expect(catalog.repositories).toContain(repository);
    expect(catalog.repositories).toEqual([...catalog.repositories].sort());
    const first = await fetch(`${base}/v2/_catalog?n=1`);
    expect(((await first.json()) as { repositories: string[] }).repositories).toHaveLength(1);
    expect(first.headers.get('link')).toMatch(/^<\/v2\/_catalog\?n=1&last=.+>; rel="next"$/);
  });

  it('answers referrers of a subject, filtered by artifactType', async () => {
    const repository = uniqueRepository('referrers');
    const subject = await pushImageManifest(base, repository, 'v1');
    const emptyConfig = await pushBlob(base, repository, '{}');
    const signatureLayer = await pushBlob(base, repository, 'a signature');
    const artifact = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.example.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: emptyConfig, size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: signatureLayer, size: 11 }],
      subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: subject.digest, size: subject.size },
    });
    const pushed = await fetch(`${base}/v2/${repository}/manifests/${sha256(artifact)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
      body: artifact,
    });
    expect(pushed.status).toBe(201);
    expect(pushed.headers.get('oci-subject')).toBe(subject.digest);
    const listed = await fetch(`${base}/v2/${repository}/referrers/${subject.digest}`);
    expect(listed.headers.get('content-type')).toBe('application/vnd.oci.image.index.v1+json');
    const index = (await listed.json()) as { manifests: { digest: string; artifactType: string }[] };
    expect(index.manifests).toEqual([expect.objectContaining({ digest: sha256(artifact) })]);
    expect(index.manifests[0]?.artifactType).toBe('application/vnd.example.signature');
    const filtered = await fetch(`${base}/v2/${repository}/referrers/${subject.digest}?artifactType=text/other`);
    expect(filtered.headers.get('oci-filters-applied')).toBe('artifactType');
    expect(((await filtered.json()) as { manifests: unknown[] }).manifests).toEqual([]);
    await fetch(`${base}/v2/${repository}/manifests/${sha256(artifact)}`, { method: 'DELETE' });
    const afterDelete = await fetch(`${base}/v2/${repository}/referrers/${subject.digest}`);
    expect(((await afterDelete.json()) as { manifests: unknown[] }).manifests).toEqual([]);
  });

  it('deletes tags, manifests (with their tags) and blob links', async () => {
    const repository = uniqueRepository('delete');
    const pushed = await pushImageManifest(base, repository, 'v1');
    await putManifestBytes(base, repository, 'v2', pushed.bytes, 'application/vnd.oci.image.manifest.v1+json');
    expect((await fetch(`${base}/v2/${repository}/manifests/v2`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${base}/v2/${repository}/manifests/v2`)).status).toBe(404);
    expect((await fetch(`${base}/v2/${repository}/manifests/v1`)).status).toBe(200);
    expect((await fetch(`${base}/v2/${repository}/manifests/${pushed.digest}`, { method: 'DELETE' })).status).toBe(202);
    expect((await fetch(`${base}/v2/${repository}/manifests/v1`)).status).toBe(404);
    expect((await fetch(`${base}/v2/${repository}/manifests/${pushed.digest}`)).status).toBe(404);
    const tags = (await (await fetch(`${base}/v2/${repository}/tags/list`)).json()) as { tags: string[] };
    expect(tags.tags).toEqual([]);
    const blob = await pushBlob(base, repository, 'to be deleted');
    expect((await fetch(`${base}/v2/${repository}/blobs/${blob}`, { method: 'DELETE' })).status).toBe(202);
    const gone = await fetch(`${base}/v2/${repository}/blobs/${blob}`);
    expect(gone.status).toBe(404);
    expect(await errorCode(gone)).toBe('BLOB_UNKNOWN');
  });

  it('refuses bad names, tags and digests, including path traversal', async () => {
    for (const path of [
      '/v2/UPPER/tags/list',
      '/v2/a/../b/tags/list',
      '/v2/a/%2e%2e/b/tags/list',
      '/v2/../../etc/tags/list',
      '/v2/a//b/tags/list',
      '/v2/trailing-/tags/list',
      '/v2/_under/manifests/v1',
    ]) {
      const answer = await rawRequest(base, 'GET', path);
      expect(answer.status, path).toBe(400);
      expect(JSON.parse(answer.body).errors[0].code, path).toBe('NAME_INVALID');
    }
    const badTag = await fetch(`${base}/v2/${uniqueRepository('tag')}/manifests/-bad`);
    expect(await errorCode(badTag)).toBe('TAG_INVALID');
    const badDigest = await fetch(`${base}/v2/${uniqueRepository('digest')}/blobs/sha256:abc`);
    expect(await errorCode(badDigest)).toBe('DIGEST_INVALID');
  });

  it('purges upload sessions older than the configured age', async () => {
    const repository = uniqueRepository('purge');
    const started = await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = started.headers.get('location')!;
    const purged = await registry.running.handler.uploads.purge(Date.now() + 25 * 60 * 60 * 1000);
    expect(purged).toBeGreaterThanOrEqual(1);
    expect((await fetch(`${base}${location}`)).status).toBe(404);
  });
});
