import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../context.js';
import { sendEmpty } from '../context.js';
import { type ParsedDigest, parseDigest } from '../digest.js';
import { BlobUnknownError } from '../errors.js';
import { layout } from '../layout.js';
import { type ByteRange, StorageNotFoundError } from '../storage/storage.js';

/** A blob is visible in a repository when it was pushed or mounted there, or is one of its manifests. */
export async function isBlobInRepository(context: RequestContext, digest: ParsedDigest): Promise<boolean> {
  const { storage, repository } = context;
  if ((await storage.stat(layout.layerLink(repository, digest))) !== undefined) return true;
  return (await storage.stat(layout.manifestRevision(repository, digest))) !== undefined;
}

/** GET and HEAD `/v2/<name>/blobs/<digest>`, with a single `Range: bytes=` range (206) when asked. */
export async function getBlob(context: RequestContext): Promise<void> {
  const { request, response, storage } = context;
  const digest = parseDigest(context.reference);
  if (!(await isBlobInRepository(context, digest))) throw new BlobUnknownError(digest.digest);
  const key = layout.blob(digest);
  const stats = await storage.stat(key);
  if (stats === undefined) throw new BlobUnknownError(digest.digest);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Docker-Content-Digest': digest.digest,
    'Accept-Ranges': 'bytes',
    ETag: `"${digest.digest}"`,
    'Cache-Control': 'max-age=31536000',
  };
  const range = parseRange(request.headers.range, stats.size);
  if (range === 'unsatisfiable') {
    response.writeHead(416, { 'Content-Range': `bytes */${stats.size}`, 'Content-Length': 0, ...headers });
    response.end();
    return;
  }
  const status = range ? 206 : 200;
  const length = range ? range.end - range.start + 1 : stats.size;
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${stats.size}`;
  if (request.method === 'HEAD' || length === 0) {
    sendEmpty(response, status, { ...headers, 'Content-Length': length });
    return;
  }
  // Deleted between stat and read (a concurrent DELETE, or a pull-through source that lost it): still a 404.
  const body = await storage.read(key, range).catch((error: unknown) => {
    throw error instanceof StorageNotFoundError ? new BlobUnknownError(digest.digest) : error;
  });
  response.writeHead(status, { ...headers, 'Content-Length': length });
  await pipeline(body, response);
}

/** DELETE `/v2/<name>/blobs/<digest>`: unlinks the blob from the repository; its bytes may serve other repositories. */
export async function deleteBlob(context: RequestContext): Promise<void> {
  const digest = parseDigest(context.reference);
  const removed = await context.storage.delete(layout.layerLink(context.repository, digest));
  if (!removed) throw new BlobUnknownError(digest.digest);
  sendEmpty(context.response, 202, { 'Docker-Content-Digest': digest.digest });
}

/** Parses one `bytes=a-b`, `bytes=a-` or `bytes=-n` range; several ranges or other units are answered in full. */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  let start: number;
  let end: number;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(first);
    end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export function rangeHeader(size: number): string {
  // The spec's upload Range is inclusive; an empty upload reports 0-0 as distribution does.
  return `0-${Math.max(0, size - 1)}`;
}
