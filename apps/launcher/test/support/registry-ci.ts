import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '@wunderproxy/registry';
import { fetchConfigText } from '@wunderproxy/s3';
import { dockerClient, ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { buildSampleApp, removeImages } from '@wunderproxy/testkit/sample-app';
import type { S3Server } from '@wunderproxy/testkit/swift';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Swift for one test file, its env in process.env (the SDK's default chain, for us and the CLI children). */
export interface Bucket {
  readonly swift: S3Server;
  readonly name: string;
  /** `s3://NAME/registry`: the registry's storage in CI and the `registry.bucket` of the configs. */
  readonly url: string;
  /** The env a child process needs to reach the bucket (Swift's credentials, endpoint, checksum settings). */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startBucket(): Promise<Bucket> {
  const { startSwift } = await import('@wunderproxy/testkit/swift');
  const swift = await startSwift();
  Object.assign(process.env, swift.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  const name = `wp-regpull-${randomBytes(4).toString('hex')}`;
  try {
    await createBucketPatiently(swift, name);
  } catch (error) {
    await swift.stop();
    throw error;
  }
  return {
    swift,
    name,
    url: `s3://${name}/registry`,
    env: { ...process.env, ...swift.env },
    stop: () => swift.stop(),
  };
}

/** A freshly started Swift sometimes answers 503 while its account and container servers settle: wait that out. */
async function createBucketPatiently(swift: S3Server, bucket: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await swift.createBucket(bucket);
      return;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ServiceUnavailable' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Runs the docker CLI; resolves with stdout, rejects with its stderr. */
export function docker(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`docker ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** What CI left behind: an image in the bucket, and nothing of it in the engine. */
export interface CiPush {
  /** Repository name inside the registry, e.g. `wp-regpull-ab12cd34/sample-app`. */
  readonly repository: string;
  readonly tag: 'v1';
  /** The manifest digest `docker push` reported. */
  readonly digest: string;
  /** The image id the build produced (gone from the engine after the push). */
  readonly imageId: string;
  /** The references the push used (both removed from the engine again). */
  readonly removedRefs: readonly string[];
}

/**
 * CI's part: build the sample app, push it through a registry whose storage is the bucket, stop that registry,
 * and remove the image from the engine again (so a later deploy has to pull it).
 */
export async function ciPush(bucket: Bucket): Promise<CiPush> {
  await ensureDocker();
  const unique = randomBytes(4).toString('hex');
  const repository = `wp-regpull-${unique}/sample-app`;
  const localTag = `wp-regpull-${unique}-sample:v1`;
  const staging = mkdtempSync(join(tmpdir(), 'wp-regpull-staging-'));
  const registry = await startRegistry({
    listen: '127.0.0.1:0',
    storage: bucket.url,
    s3: { endpoint: bucket.swift.endpoint, region: bucket.swift.region },
    stagingDir: staging,
  });
  const pushedRef = `127.0.0.1:${registry.port}/${repository}:v1`;
  try {
    // A file unique to this build: its layer is one the engine cannot already hold when a server pulls the image.
    const build = () =>
      buildSampleApp({
        tag: localTag,
        version: 'v1',
        files: { 'build-id.txt': `${unique}\n` },
        labels: { 'wunderproxy.test.file': unique },
      });
    // dockerd is shared: the classic builder's cache may pick an intermediate image that someone else's `rmi` deletes
    // mid-build ("unknown parent image ID"). The next build no longer finds it in the cache.
    const imageId = await build().catch((error: Error) => {
      if (!/parent image/i.test(error.message)) throw error;
      return build();
    });
    await docker(['tag', localTag, pushedRef]);
    const output = await docker(['push', pushedRef]);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
    if (digest === undefined) throw new Error(`docker push printed no digest:\n${output}`);
    return { repository, tag: 'v1', digest, imageId, removedRefs: [pushedRef, localTag] };
  } finally {
    await registry.close(1_000);
    rmSync(staging, { recursive: true, force: true });
    await removeImages([pushedRef, localTag]);
  }
}

/** The digest a tag points to, read straight from the bucket (the registry's layout under the prefix). */
export async function tagInBucket(bucket: Bucket, repository: string, tag: string): Promise<string> {
  const key = `${bucket.url}/repositories/${repository}/_manifests/tags/${tag}/current/link`;
  const { text } = await fetchConfigText(key, { s3: { endpoint: bucket.swift.endpoint, region: bucket.swift.region } });
  return text.trim();
}

/** True when the engine has an image by that reference or id. */
export async function engineHasImage(ref: string): Promise<boolean> {
  try {
    await dockerClient().getImage(ref).inspect();
    return true;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return false;
    throw error;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
