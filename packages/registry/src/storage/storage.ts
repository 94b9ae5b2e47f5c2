import type { Readable } from 'node:stream';

/** An inclusive byte range, as HTTP `Range: bytes=start-end` names it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Where the registry keeps its bytes. Keys are `/`-separated relative paths (layout in the README); the registry layer
 * never knows which driver it talks to. Every write is atomic: a key is either absent or holds complete bytes.
 */
export interface Storage {
  /** A short label for logs (`directory`, `s3`, `tiered`). */
  readonly kind: string;
  /**
   * A local directory where upload sessions stage their bytes before they are verified. For the directory driver it
   * lies on the same filesystem as the blobs, so committing a verified upload is a rename.
   */
  readonly stagingDir: string;
  /** Size of the object at key, or undefined when there is none. */
  stat(key: string): Promise<{ size: number } | undefined>;
  /** Streams the object (or one range of it); rejects with StorageNotFoundError when it is absent. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** The whole object as bytes, for small metadata (links, manifests); undefined when absent. */
  readSmall(key: string): Promise<Buffer | undefined>;
  /** Stores small bytes (links, manifests) atomically. */
  writeSmall(key: string, bytes: Uint8Array | string): Promise<void>;
  /**
   * Moves a complete, already-verified file from the staging directory to key. The file is gone afterwards
   * (renamed or uploaded then removed).
   */
  importFile(key: string, localPath: string): Promise<void>;
  /** Removes key; true when something was removed. */
  delete(key: string): Promise<boolean>;
  /** Names directly under prefix (`a/b/` → `c` for `a/b/c/d`), sorted; empty when there are none. */
  listChildren(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}

export class StorageNotFoundError extends Error {
  readonly code = 'STORAGE_NOT_FOUND';
  constructor(readonly key: string) {
    super(`no object at ${key}`);
    this.name = 'StorageNotFoundError';
  }
}

/** Rejects keys that could leave the storage root; the HTTP layer already validated names, this is defence in depth. */
export function assertSafeKey(key: string): void {
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`unsafe storage key ${JSON.stringify(key)}`);
  }
}
