import { createHash, type Hash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pino from 'pino';
import type { ParsedDigest } from './digest.js';
import { DigestInvalidError, RegistryError, UploadUnknownError } from './errors.js';
import { layout } from './layout.js';
import type { Storage } from './storage/storage.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Large writes to the staging file: fewer syscalls per pushed layer. */
const writeHighWaterMark = 1024 * 1024;

/** One upload session: its bytes so far live in `stagingDir/uuid/data`. */
export interface UploadSession {
  readonly uuid: string;
  readonly repository: string;
  readonly dataPath: string;
  size: number;
  /**
   * sha256 of the bytes so far, updated while they stream in, so finishing a sha256 upload costs no second read.
   * undefined after a restart or a failed write: the file is hashed again at the end.
   */
  sha256: Hash | undefined;
  /** Set while a request writes to the session; a concurrent write is refused instead of interleaving bytes. */
  busy: boolean;
}

/**
 * Upload sessions staged on local disk (S3 cannot append, and a blob must never be visible before its digest is
 * verified). Sessions survive a restart on disk; abandoned ones are purged after maxAgeMs.
 */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();
  private readonly purgeTimer: NodeJS.Timeout;

  constructor(
    private readonly storage: Storage,
    private readonly logger: pino.Logger,
    private readonly maxAgeMs: number,
  ) {
    // Check a few times per max age, at most hourly, so a session is purged at most ~1.5 max ages after its last byte.
    const period = Math.max(1000, Math.min(maxAgeMs / 2, 3_600_000));
    this.purgeTimer = setInterval(() => {
      this.purge().catch((error: unknown) => this.logger.warn({ err: error }, 'purging upload sessions failed'));
    }, period);
    this.purgeTimer.unref();
  }

  async start(repository: string): Promise<UploadSession> {
    const uuid = randomUUID();
    const directory = join(this.storage.stagingDir, uuid);
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, 'repository'), repository);
    const dataPath = join(directory, 'data');
    await writeFile(dataPath, '');
    const session: UploadSession = { uuid, repository, dataPath, size: 0, sha256: createHash('sha256'), busy: false };
    this.sessions.set(uuid, session);
    return session;
  }

  /** The session, from memory or (after a restart) from disk; BLOB_UPLOAD_UNKNOWN when it is not in repository. */
  async get(repository: string, uuid: string): Promise<UploadSession> {
    if (!uuidPattern.test(uuid)) throw new UploadUnknownError(uuid);
    const known = this.sessions.get(uuid);
    if (known) {
      if (known.repository !== repository) throw new UploadUnknownError(uuid);
      return known;
    }
    const directory = join(this.storage.stagingDir, uuid);
    try {
      const owner = await readFile(join(directory, 'repository'), 'utf8');
      const size = (await stat(join(directory, 'data'))).size;
      if (owner !== repository) throw new UploadUnknownError(uuid);
      const session: UploadSession = {
        uuid,
        repository,
        dataPath: join(directory, 'data'),
        size,
        sha256: undefined,
        busy: false,
      };
      this.sessions.set(uuid, session);
      return session;
    } catch (error) {
      if (error instanceof UploadUnknownError) throw error;
      throw new UploadUnknownError(uuid);
    }
  }

  /** Appends a request body to the session, hashing it on the way to disk. */
  async append(session: UploadSession, source: Readable): Promise<void> {
    if (session.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', 'another request is writing to this upload');
    session.busy = true;
    const hash = session.sha256;
    let written = 0;
    // A 'data' listener beside the pipe hashes each chunk as it passes: no extra stream stage, no per-chunk promise.
    const hashing = (chunk: Buffer): void => {
      hash?.update(chunk);
      written += chunk.length;
    };
    source.on('data', hashing);
    try {
      await pipeline(source, createWriteStream(session.dataPath, { flags: 'a', highWaterMark: writeHighWaterMark }));
      session.size += written;
    } catch (error) {
      // Some bytes may have reached the file, some not: trust the file and hash it again when the upload finishes.
      session.sha256 = undefined;
      session.size = await stat(session.dataPath).then(
        (stats) => stats.size,
        () => 0,
      );
      throw error;
    } finally {
      source.off('data', hashing);
      session.busy = false;
    }
  }

  /**
   * Verifies the staged bytes against digest, then moves them into the blob store (once per digest) and links the
   * blob into the session's repository. On a mismatch nothing is stored and the session is removed.
   */
  async finish(session: UploadSession, digest: ParsedDigest): Promise<void> {
    if (session.busy) throw new RegistryError('BLOB_UPLOAD_INVALID', 'another request is writing to this upload');
    session.busy = true;
    try {
      const actual = await this.digestOf(session, digest.algorithm);
      if (actual !== digest.hex) {
        await this.remove(session);
        throw new DigestInvalidError('provided digest did not match uploaded content', {
          expected: digest.digest,
          actual: `${digest.algorithm}:${actual}`,
        });
      }
      const blobKey = layout.blob(digest);
      const existing = await this.storage.stat(blobKey);
      if (existing === undefined || existing.size !== session.size) {
        await this.storage.importFile(blobKey, session.dataPath);
      }
      await this.storage.writeSmall(layout.layerLink(session.repository, digest), digest.digest);
      await this.remove(session);
    } finally {
      session.busy = false;
    }
  }

  private async digestOf(session: UploadSession, algorithm: ParsedDigest['algorithm']): Promise<string> {
    if (algorithm === 'sha256' && session.sha256) return session.sha256.copy().digest('hex');
    const hash = createHash(algorithm);
    for await (const chunk of createReadStream(session.dataPath, { highWaterMark: writeHighWaterMark })) {
      hash.update(chunk as Buffer);
    }
    return hash.digest('hex');
  }

  async cancel(session: UploadSession): Promise<void> {
    await this.remove(session);
  }

  private async remove(session: UploadSession): Promise<void> {
    this.sessions.delete(session.uuid);
    await rm(join(this.storage.stagingDir, session.uuid), { recursive: true, force: true });
  }

  /** Removes sessions (and stray temp files) untouched for longer than maxAgeMs; returns how many went. */
  async purge(now = Date.now()): Promise<number> {
    let purged = 0;
    for (const entry of await readdir(this.storage.stagingDir).catch(() => [] as string[])) {
      const path = join(this.storage.stagingDir, entry);
      const session = this.sessions.get(entry);
      if (session?.busy) continue;
      const lastTouched = await stat(uuidPattern.test(entry) ? join(path, 'data') : path).then(
        (stats) => stats.mtimeMs,
        () => 0,
      );
      if (now - lastTouched < this.maxAgeMs) continue;
      this.sessions.delete(entry);
      await rm(path, { recursive: true, force: true });
      purged += 1;
    }
    if (purged > 0) this.logger.info({ purged }, 'purged abandoned upload sessions');
    return purged;
  }

  close(): void {
    clearInterval(this.purgeTimer);
  }
}
