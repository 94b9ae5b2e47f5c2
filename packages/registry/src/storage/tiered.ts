import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pino from 'pino';
import type { DirectoryStorage } from './directory.js';
import type { S3Storage } from './s3.js';
import { type ByteRange, type Storage, StorageNotFoundError } from './storage.js';

/** Tags move; everything else (blobs, revision and layer links) is content-addressed and may be cached forever. */
function isMutable(key: string): boolean {
  return key.includes('/_manifests/tags/');
}

/**
 * Pull-through for the launcher: a local directory in front of the app's S3 bucket. The bucket is the source of truth
 * (every write goes there first, so a push to any server lands in the bucket); content-addressed objects the directory
 * lacks are fetched from S3 once and kept; tags are read from S3, and from the directory only while S3 is unreachable,
 * so a server keeps pulling what it already has when the bucket is down.
 */
export class TieredStorage implements Storage {
  readonly kind = 'tiered';
  readonly stagingDir: string;

  constructor(
    private readonly local: DirectoryStorage,
    private readonly remote: S3Storage,
    private readonly logger: pino.Logger,
  ) {
    this.stagingDir = local.stagingDir;
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    if (isMutable(key)) {
      try {
        return await this.remote.stat(key);
      } catch (error) {
        this.logger.warn({ err: error, key }, 'S3 unreachable, answering from the local copy');
        return await this.local.stat(key);
      }
    }
    const local = await this.local.stat(key);
    if (local) return local;
    if (!key.endsWith('/link')) return await this.remote.stat(key);
    // Links are tiny and say what a repository holds: fetch and keep them in one GET, so the repository still
    // answers when S3 is down.
    const bytes = await this.remote.readSmall(key);
    if (bytes === undefined) return undefined;
    await this.local.writeSmall(key, bytes);
    return { size: bytes.length };
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      return await this.local.read(key, range);
    } catch (error) {
      if (!(error instanceof StorageNotFoundError)) throw error;
    }
    await this.fetchIntoLocal(key);
    return await this.local.read(key, range);
  }

  /** Downloads one object from S3 into the directory (temp file, then rename), so the next read is local. */
  private async fetchIntoLocal(key: string): Promise<void> {
    const source = await this.remote.read(key);
    const temporary = join(this.local.stagingDir, `pull-${randomUUID()}`);
    try {
      await pipeline(source, createWriteStream(temporary, { highWaterMark: 1024 * 1024 }));
      await this.local.importFile(key, temporary);
      this.logger.info({ key }, 'pulled through from S3');
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    if (isMutable(key)) {
      try {
        const remote = await this.remote.readSmall(key);
        if (remote === undefined) return undefined;
        await this.local.writeSmall(key, remote);
        return remote;
      } catch (error) {
        this.logger.warn({ err: error, key }, 'S3 unreachable, answering from the local copy');
        return await this.local.readSmall(key);
      }
    }
    const local = await this.local.readSmall(key);
    if (local !== undefined) return local;
    const remote = await this.remote.readSmall(key);
    if (remote !== undefined) await this.local.writeSmall(key, remote);
    return remote;
  }

  async writeSmall(key: string, bytes: Uint8Array | string): Promise<void> {
    await this.remote.writeSmall(key, bytes);
    await this.local.writeSmall(key, bytes);
  }

  async importFile(key: string, localPath: string): Promise<void> {
    await this.remote.uploadFile(key, localPath);
    await this.local.importFile(key, localPath);
  }

  async delete(key: string): Promise<boolean> {
    const [remote, local] = await Promise.all([this.remote.delete(key), this.local.delete(key)]);
    return remote || local;
  }

  async listChildren(prefix: string): Promise<string[]> {
    try {
      return await this.remote.listChildren(prefix);
    } catch (error) {
      this.logger.warn({ err: error, prefix }, 'S3 unreachable, listing the local copy');
      return await this.local.listChildren(prefix);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.local.close(), this.remote.close()]);
  }
}
