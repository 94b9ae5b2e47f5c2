import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Server } from '@wunderproxy/testkit/swift';
import { type RegistryOptions, type RunningRegistry, startRegistry } from '../src/index.js';

export type DriverName = 'directory' | 's3';

/** A registry on a free loopback port with fresh storage of one driver; stop() removes what it created. */
export interface TestRegistry {
  readonly driver: DriverName;
  readonly running: RunningRegistry;
  /** `127.0.0.1:PORT`, the registry host docker and skopeo see. */
  readonly host: string;
  readonly url: string;
  /** The S3 bucket (s3 driver) or directory (directory driver) holding the storage. */
  readonly location: string;
  stop(): Promise<void>;
}

/** Starts Swift once per test file and points the SDK's default credential chain at it. */
export async function startS3(): Promise<S3Server> {
  const { startSwift } = await import('@wunderproxy/testkit/swift');
  const server = await startSwift();
  Object.assign(process.env, server.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' });
  return server;
}

export async function startTestRegistry(
  driver: DriverName,
  s3: S3Server | undefined,
  extra: Partial<RegistryOptions> = {},
): Promise<TestRegistry> {
  const scratch = await mkdtemp(join(tmpdir(), 'wpreg-test-'));
  let storage: string;
  let location: string;
  if (driver === 's3') {
    if (!s3) throw new Error('the s3 driver needs a started S3 server');
    const bucket = `wpreg-${randomUUID().slice(0, 8)}`;
    await createBucketPatiently(s3, bucket).catch(async (error: unknown) => {
      await rm(scratch, { recursive: true, force: true });
      throw error;
    });
    storage = `s3://${bucket}/registry`;
    location = bucket;
  } else {
    storage = `file://${join(scratch, 'storage')}`;
    location = join(scratch, 'storage');
  }
  const running = await startRegistry({
    storage,
    listen: '127.0.0.1:0',
    stagingDir: join(scratch, 'staging'),
    s3: s3 ? { endpoint: s3.endpoint, region: s3.region } : undefined,
    ...extra,
  });
  return {
    driver,
    running,
    host: `127.0.0.1:${running.port}`,
    url: running.url,
    location,
    async stop() {
      await running.close(1000);
      await rm(scratch, { recursive: true, force: true });
    },
  };
}

/** A repository name no other test (or other engineer's run on the shared dockerd) uses. */
export function uniqueRepository(label: string): string {
  return `wpreg-${randomUUID().slice(0, 8)}/${label}`;
}

/**
 * A freshly started Swift on a loaded machine sometimes answers 503 "Please reduce your request rate" while its
 * account and container servers settle; what is under test here is the registry, so wait that out.
 */
async function createBucketPatiently(s3: S3Server, bucket: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await s3.createBucket(bucket);
      return;
    } catch (error) {
      const unavailable = (error as { name?: string }).name === 'ServiceUnavailable';
      if (!unavailable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
