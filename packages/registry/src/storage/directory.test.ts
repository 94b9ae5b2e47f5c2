import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryStorage } from './directory.js';
import { StorageNotFoundError } from './storage.js';

describe('DirectoryStorage', () => {
  let root: string;
  let storage: DirectoryStorage;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'wpreg-directory-'));
    storage = new DirectoryStorage(root);
    await storage.init();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes through a temp file and leaves none behind', async () => {
    await storage.writeSmall('repositories/a/_manifests/tags/v1/current/link', 'sha256:x');
    expect((await storage.readSmall('repositories/a/_manifests/tags/v1/current/link'))?.toString()).toBe('sha256:x');
    expect(await readdir(join(root, '_tmp'))).toEqual([]);
  });

  it('moves an imported file into place and reads ranges of it', async () => {
    const staged = join(storage.stagingDir, 'staged');
    await writeFile(staged, '0123456789');
    await storage.importFile('blobs/sha256/ab/abc/data', staged);
    expect(await storage.stat('blobs/sha256/ab/abc/data')).toEqual({ size: 10 });
    const chunks: Buffer[] = [];
    for await (const chunk of await storage.read('blobs/sha256/ab/abc/data', { start: 2, end: 4 })) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('234');
    await expect(storage.read('blobs/sha256/ab/missing/data')).rejects.toBeInstanceOf(StorageNotFoundError);
  });

  it('prunes emptied directories on delete, so deleted tags are no longer listed', async () => {
    await storage.writeSmall('repositories/a/_manifests/tags/v1/current/link', 'x');
    await storage.writeSmall('repositories/a/_manifests/tags/v2/current/link', 'y');
    expect(await storage.listChildren('repositories/a/_manifests/tags')).toEqual(['v1', 'v2']);
    expect(await storage.delete('repositories/a/_manifests/tags/v1/current/link')).toBe(true);
    expect(await storage.delete('repositories/a/_manifests/tags/v1/current/link')).toBe(false);
    expect(await storage.listChildren('repositories/a/_manifests/tags')).toEqual(['v2']);
    expect(await storage.listChildren('repositories/nothing')).toEqual([]);
  });

  it('refuses keys that would leave the root', async () => {
    for (const key of ['../outside', 'a/../../b', '/etc/passwd', 'a//b']) {
      await expect(storage.readSmall(key), key).rejects.toThrow(/unsafe storage key/);
    }
  });
});
