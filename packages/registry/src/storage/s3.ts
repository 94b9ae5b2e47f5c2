import { createReadStream } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertSafeKey, type ByteRange, type Storage, StorageNotFoundError } from './storage.js';

/**
 * Parts of 16 MiB, 4 in flight: a layer streams through at most 64 MiB of buffers whatever its size, and a 10,000-part
 * upload still reaches 156 GiB.
 */
const partSize = 16 * 1024 * 1024;
const queueSize = 4;

export interface S3StorageOptions {
  client: S3Client;
  bucket: string;
  /** Key prefix without leading or trailing slash; '' for the bucket root. */
  prefix: string;
  /** Local directory for upload sessions; S3 cannot append, so chunks gather here until the digest is verified. */
  stagingDir?: string;
}

/** Keeps every key as an object `prefix/key` in one bucket. */
export class S3Storage implements Storage {
  readonly kind = 's3';
  readonly stagingDir: string;
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(options: S3StorageOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.prefix = options.prefix === '' ? '' : `${options.prefix.replace(/^\/+|\/+$/g, '')}/`;
    this.stagingDir =
      options.stagingDir ??
      join(tmpdir(), 'wunderproxy-registry-uploads', `${options.bucket}-${this.prefix.replaceAll('/', '_')}`);
  }

  async init(): Promise<void> {
    await mkdir(this.stagingDir, { recursive: true });
  }

  private objectKey(key: string): string {
    assertSafeKey(key);
    return this.prefix + key;
  }

  async stat(key: string): Promise<{ size: number } | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const answer = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: this.objectKey(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body = answer.Body;
      if (body instanceof Readable) return body;
      if (body && 'transformToWebStream' in body) {
        return Readable.fromWeb(body.transformToWebStream() as import('node:stream/web').ReadableStream);
      }
      throw new Error(`GetObject ${key} answered without a body`);
    } catch (error) {
      if (isS3NotFound(error)) throw new StorageNotFoundError(key);
      throw error;
    }
  }

  async readSmall(key: string): Promise<Buffer | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw error;
    }
  }

  async writeSmall(key: string, bytes: Uint8Array | string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key), Body: bytes }));
  }

  async importFile(key: string, localPath: string): Promise<void> {
    await this.uploadFile(key, localPath);
    await unlink(localPath);
  }

  /** Streams a local file into key with multipart (single PUT when it fits one part); the file stays. */
  async uploadFile(key: string, localPath: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: this.objectKey(key),
        Body: createReadStream(localPath, { highWaterMark: 1024 * 1024 }),
      },
      partSize,
      queueSize,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async delete(key: string): Promise<boolean> {
    const existed = (await this.stat(key)) !== undefined;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
    return existed;
  }

  async listChildren(prefix: string): Promise<string[]> {
    const listed = prefix === '' ? this.prefix : `${this.objectKey(prefix.replace(/\/$/, ''))}/`;
    const names = new Set<string>();
    let continuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: listed,
          Delimiter: '/',
          ContinuationToken: continuationToken,
        }),
      );
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix) names.add(common.Prefix.slice(listed.length).replace(/\/$/, ''));
      }
      for (const object of page.Contents ?? []) {
        if (object.Key) names.add(object.Key.slice(listed.length));
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return [...names].filter((name) => name !== '').sort();
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function isS3NotFound(error: unknown): boolean {
  const candidate = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return (
    candidate?.name === 'NoSuchKey' || candidate?.name === 'NotFound' || candidate?.$metadata?.httpStatusCode === 404
  );
}
