import { join } from 'node:path';
import type { AppConfig } from '@wunderproxy/config';
import type { S3ClientOptions } from '@wunderproxy/s3';

/** The loopback registry an image reference names (`127.0.0.1:5000/app:v2`), if any. */
export function loopbackRegistryOf(image: string): { host: string; port: number } | undefined {
  const first = image.split('/')[0] ?? '';
  const match = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(first);
  return match && image.includes('/') ? { host: match[1]!, port: Number(match[2]) } : undefined;
}

async function answers(host: string, port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}:${port}/v2/`, { signal: AbortSignal.timeout(1_000) });
    return response.status === 200 || response.status === 401;
  } catch {
    return false;
  }
}

/**
 * Runs `pull` with the app's registry reachable: when the config names a bucket and the image lives on a loopback
 * registry that nobody serves (no `wunderproxy launcher`/`registry` running), serves one in this process for the
 * pull: blobs from a local directory under the state dir, and what it lacks from the bucket (pull-through).
 * Returns whether it had to start one.
 */
export async function withLocalRegistry<T>(
  config: AppConfig,
  stateDir: string,
  s3: S3ClientOptions | undefined,
  pull: () => Promise<T>,
  /** Whether the engine already has the image: then no registry is needed, and none is started. */
  present: () => Promise<boolean>,
): Promise<{ result: T; servedRegistry: string | undefined }> {
  const registry = loopbackRegistryOf(config.image);
  if (
    config.registry.bucket === undefined ||
    registry === undefined ||
    (await present()) ||
    (await answers(registry.host, registry.port))
  ) {
    return { result: await pull(), servedRegistry: undefined };
  }
  const { startRegistry } = await import('@wunderproxy/registry');
  const running = await startRegistry({
    listen: `127.0.0.1:${registry.port}`,
    storage: join(stateDir, 'registry'),
    pullThrough: config.registry.bucket,
    s3: s3 ? { endpoint: s3.endpoint, region: s3.region } : undefined,
  });
  try {
    return { result: await pull(), servedRegistry: `${running.url} (pull-through ${config.registry.bucket})` };
  } finally {
    await running.close(1_000);
  }
}
