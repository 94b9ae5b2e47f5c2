import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { assertSafeKey, type ByteRange, type Storage, StorageNotFoundError } from './storage.js';

/** Big reads mean fewer syscalls and fewer chunks through the socket: it is what keeps blob GETs fast. */
const readHighWaterMark = 1024 * 1024;

/**
 * Keeps every key as a file under root. Writes go to `root/_tmp` first and are renamed into place, so a crash never
 * leaves a partial object; upload sessions stage in `root/_uploads` (same filesystem, so commit is a rename).
 */
export class DirectoryStorage implements Storage {
  readonly kind = 'directory';
  readonly stagingDir: string;
  private readonly tmpDir: string;

  constructor(readonly root: string) {
    this.stagingDir = join(root, '_uploads');
    this.tmpDir = join(root, '_tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  private path(key: string): string {
    assertSafeKey(key);
    return join(this.root, key);
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const stats = await stat(this.path(key));
      return stats.isFile() ? { size: stats.size } : undefined;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.path(key);
    const stream = createReadStream(path, { highWaterMark: readHighWaterMark, ...range });
    // Open eagerly so a missing file is a rejected promise here, not an error event after headers were sent.
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (error) => reject(isNotFound(error) ? new StorageNotFoundError(key) : error));
    });
    return stream;
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw error;
    }
  }

  async writeSmall(key: string, bytes: Uint8Array | string): Promise<void> {
    const target = this.path(key);
    const temporary = join(this.tmpDir, randomUUID());
    await writeFile(temporary, bytes);
    await this.moveInto(temporary, target);
  }

  async importFile(key: string, localPath: string): Promise<void> {
    await this.moveInto(localPath, this.path(key));
  }

  private async moveInto(source: string, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    try {
      await rename(source, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // A staging file on another filesystem: copy next to the target, then rename, so the target stays atomic.
      const sibling = `${target}.${randomUUID()}.tmp`;
      await copyFile(source, sibling);
      await rename(sibling, target);
      await unlink(source);
    }
  }

  async delete(key: string): Promise<boolean> {
    const path = this.path(key);
    try {
      await rm(path, { recursive: true });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    await this.pruneEmptyParents(dirname(path));
    return true;
  }

  /** Removes now-empty parent directories, so a deleted tag stops being listed (as it would in S3). */
  private async pruneEmptyParents(directory: string): Promise<void> {
    let current = directory;
    while (current.startsWith(this.root) && current !== this.root) {
      try {
        await rmdir(current);
      } catch {
        return;
      }
      current = dirname(current);
    }
  }

  async listChildren(prefix: string): Promise<string[]> {
    const directory = prefix === '' ? this.root : this.path(prefix.replace(/\/$/, ''));
    try {
      return (await readdir(directory)).filter((name) => !name.endsWith('.tmp')).sort();
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
  }

  async close(): Promise<void> {}
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
