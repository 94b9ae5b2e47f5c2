import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pino from 'pino';
import { RegistryConfigError } from '../errors.js';
import { DirectoryStorage } from './directory.js';
import type { S3Storage } from './s3.js';
import type { Storage } from './storage.js';
import { TieredStorage } from './tiered.js';

export interface OpenStorageOptions {
  /** `file:///dir`, `s3://bucket/prefix` or a plain path. */
  storage: string;
  /** `s3://bucket/prefix` behind a directory storage: blobs it lacks are read from there and kept. */
  pullThrough?: string | undefined;
  s3?: { endpoint?: string | undefined; region?: string | undefined } | undefined;
  /** Where S3-backed upload sessions stage their bytes (defaults to a directory under the OS temp dir). */
  stagingDir?: string | undefined;
  logger: pino.Logger;
}

/** Builds the driver a storage URL names. */
export async function openStorage(options: OpenStorageOptions): Promise<Storage> {
  const primary = await openOne(options.storage, options);
  if (options.pullThrough === undefined || options.pullThrough === '') return primary;
  if (!(primary instanceof DirectoryStorage)) {
    throw new RegistryConfigError('pullThrough needs a directory storage in front of it');
  }
  const remote = await openOne(options.pullThrough, options);
  if (remote.kind !== 's3') throw new RegistryConfigError('pullThrough must be an s3:// URL');
  return new TieredStorage(primary, remote as S3Storage, options.logger.child({ component: 'registry-pull-through' }));
}

async function openOne(url: string, options: OpenStorageOptions): Promise<DirectoryStorage | S3Storage> {
  if (url.startsWith('s3://')) {
    // Loaded only when S3 is used: the SDK alone adds ~25 MiB to the RSS of a directory-only registry.
    const [{ S3Storage }, { createS3Client }] = await Promise.all([import('./s3.js'), import('@wunderproxy/s3')]);
    const parsed = new URL(url);
    if (parsed.hostname === '') throw new RegistryConfigError(`no bucket in ${url}`);
    const storage = new S3Storage({
      client: createS3Client({ endpoint: options.s3?.endpoint, region: options.s3?.region }),
      bucket: parsed.hostname,
      prefix: decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, ''),
      stagingDir: options.stagingDir,
    });
    await storage.init();
    return storage;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('file://')) {
    throw new RegistryConfigError(`unsupported storage URL ${url} (want file:///dir or s3://bucket/prefix)`);
  }
  const directory = url.startsWith('file://') ? fileURLToPath(url) : resolve(url);
  const storage = new DirectoryStorage(directory);
  await storage.init();
  return storage;
}
