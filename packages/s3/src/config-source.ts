import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createS3Client, type S3ClientOptions } from './client.js';
import { getObjectText } from './get-object.js';
import { S3Error } from './s3-error.js';
import { parseS3Url } from './url.js';

/** Config text could not be fetched from where it was said to be (file, http(s), S3 or EC2 userdata). */
export class ConfigSourceError extends Error {
  override readonly name = 'ConfigSourceError';
  readonly code = 'CONFIG_FETCH_FAILED';
  /** The path or URL that was asked for. */
  readonly source: string;

  constructor(source: string, what: string, cause?: unknown) {
    super(`${source}: ${what}`, cause === undefined ? undefined : { cause });
    this.source = source;
  }
}

export interface FetchConfigOptions {
  /** For http(s) and S3; default 10 s. */
  timeoutMs?: number | undefined;
  /** For `s3://` and S3 https URLs: endpoint, region, credentials (default: the SDK's default chain). */
  s3?: S3ClientOptions | undefined;
}

export interface ConfigText {
  readonly text: string;
  /** Where it came from, for error messages: the URL as given, or the absolute path of a local file. */
  readonly source: string;
}

/** A config that is not there after this long is not coming: better fail the deploy than hang it. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Fetches a config document from a local path, `file://`, `http(s)://`, `s3://bucket/key` or an S3 https URL
 * (which goes through the SDK, signed, not as an anonymous GET). Throws {@link ConfigSourceError}.
 */
export async function fetchConfigText(url: string, options: FetchConfigOptions = {}): Promise<ConfigText> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const s3Url = parseS3Url(url);
  if (s3Url !== null) {
    if (s3Url.key === '' || s3Url.key.endsWith('/')) {
      throw new ConfigSourceError(url, 'names a bucket or prefix, not an object');
    }
    const client = createS3Client({ ...options.s3, region: s3Url.region ?? options.s3?.region });
    try {
      const text = await getObjectText(client, s3Url, { abortSignal: AbortSignal.timeout(timeoutMs) });
      return { text, source: url };
    } catch (error) {
      const what = error instanceof S3Error ? s3Problem(url, error) : String(error);
      throw new ConfigSourceError(url, what, error);
    } finally {
      client.destroy();
    }
  }
  if (/^https?:\/\//i.test(url)) return { text: await fetchHttp(url, timeoutMs), source: url };
  if (/^file:/i.test(url)) {
    let path: string;
    try {
      path = fileURLToPath(url);
    } catch (error) {
      throw new ConfigSourceError(url, `not a local file URL (${(error as Error).message})`, error);
    }
    return { text: await readLocal(path), source: path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new ConfigSourceError(url, 'unsupported URL scheme (use a path, file://, https://, http:// or s3://)');
  }
  const path = resolve(url);
  return { text: await readLocal(path), source: path };
}

/** The S3Error's message starts with `s3://bucket/key`; an s3:// source already says that. */
function s3Problem(url: string, error: S3Error): string {
  const prefix = `s3://${error.bucket}/${error.key}: `;
  return url.startsWith('s3://') && error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
}

async function readLocal(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES'
          ? 'permission denied'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot read (${(error as Error).message})`;
    throw new ConfigSourceError(path, what, error);
  }
}

async function fetchHttp(url: string, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (error) {
    throw new ConfigSourceError(url, describeFetchFailure(error, timeoutMs), error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ConfigSourceError(url, `HTTP ${response.status} ${response.statusText}`.trimEnd());
  }
  try {
    return await response.text();
  } catch (error) {
    throw new ConfigSourceError(url, describeFetchFailure(error, timeoutMs), error);
  }
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no complete answer within ${timeoutMs} ms`;
  }
  // undici hides the system error (ECONNREFUSED, ENOTFOUND, certificate problems) in `cause`.
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const reason = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `cannot fetch (${reason})`;
}
