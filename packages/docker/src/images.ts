import type { Connection } from './connection.js';
import { requestFailed, translate } from './connection.js';
import { describe, ImageNotFoundError, ImagePullFailedError, ImagePushFailedError, statusOf } from './errors.js';
import { readProgressStream, streamError } from './json-lines.js';
import { type ProgressListener, toProgressEvent } from './progress.js';

/** Registry credentials, as `docker login` would store them. */
export type RegistryAuth =
  | { username: string; password: string; serveraddress?: string }
  | { identitytoken: string; serveraddress?: string };

export interface PullOptions {
  onProgress?: ProgressListener;
  auth?: RegistryAuth;
  signal?: AbortSignal;
}

export interface EnsureImageOptions extends PullOptions {
  /** `missing` (default): pull only when the engine lacks the image; `always`: pull to pick up a moved tag. */
  pull?: 'missing' | 'always';
}

export interface EnsuredImage {
  /** The reference as pulled (`:latest` added when it had neither tag nor digest). */
  ref: string;
  /** Local image id, `sha256:…`. */
  id: string;
  pulled: boolean;
}

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  labels: Record<string, string>;
  created: Date;
  size: number;
}

/** `name` → `name:latest`; leaves `host:5000/name`, `name:tag` and `name@sha256:…` alone where they say a tag. */
export function normalizeImageRef(ref: string): string {
  if (ref.includes('@')) return ref;
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? ref : `${ref}:latest`;
}

export async function inspectImage(connection: Connection, ref: string): Promise<ImageInfo | undefined> {
  try {
    const info = await connection.api.getImage(ref).inspect();
    return {
      id: info.Id,
      repoTags: info.RepoTags ?? [],
      repoDigests: info.RepoDigests ?? [],
      labels: info.Config?.Labels ?? {},
      created: new Date(info.Created),
      size: info.Size,
    };
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw requestFailed(connection, error);
  }
}

/** Pulls ref, reporting per-layer progress; resolves with the local image id. */
export async function pullImage(connection: Connection, ref: string, options: PullOptions = {}): Promise<string> {
  const normalized = normalizeImageRef(ref);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await connection.api.pull(normalized, {
      ...(options.auth ? { authconfig: options.auth } : {}),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
  } catch (error) {
    // The engine answers the request itself with 404/500 when the registry is unreachable or denies the name.
    throw translate(connection, error, () => new ImagePullFailedError(normalized, describe(error), error));
  }
  let messages: Awaited<ReturnType<typeof readProgressStream>>;
  try {
    messages = await readProgressStream(stream, (message) => {
      const event = toProgressEvent(message);
      if (event && !message.error) options.onProgress?.(event);
    });
  } catch (error) {
    throw new ImagePullFailedError(normalized, describe(error), error);
  }
  const failure = streamError(messages);
  if (failure) throw new ImagePullFailedError(normalized, failure);
  const image = await inspectImage(connection, normalized);
  if (!image) throw new ImagePullFailedError(normalized, 'the engine reported success but has no such image');
  return image.id;
}

/** The launcher's first step: make ref present locally, pulling (from any registry) only when needed. */
export async function ensureImage(
  connection: Connection,
  ref: string,
  options: EnsureImageOptions = {},
): Promise<EnsuredImage> {
  const normalized = normalizeImageRef(ref);
  if (options.pull !== 'always') {
    const present = await inspectImage(connection, normalized);
    if (present) return { ref: normalized, id: present.id, pulled: false };
  }
  const id = await pullImage(connection, normalized, options);
  return { ref: normalized, id, pulled: true };
}

/** Pushes ref to the registry its name points at; resolves with the manifest digest the registry reported. */
export async function pushImage(
  connection: Connection,
  ref: string,
  options: PullOptions = {},
): Promise<{ digest: string | undefined }> {
  const normalized = normalizeImageRef(ref);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await connection.api.getImage(normalized).push({
      ...(options.auth ? { authconfig: options.auth } : { authconfig: {} }),
      ...(options.signal ? { abortSignal: options.signal } : {}),
    });
  } catch (error) {
    if (statusOf(error) === 404) throw new ImageNotFoundError(normalized, error);
    throw translate(connection, error, () => new ImagePushFailedError(normalized, describe(error), error));
  }
  const messages = await readProgressStream(stream, (message) => {
    const event = toProgressEvent(message);
    if (event && !message.error) options.onProgress?.(event);
  });
  const failure = streamError(messages);
  if (failure) throw new ImagePushFailedError(normalized, failure);
  return { digest: messages.find((m) => m.aux?.Digest)?.aux?.Digest };
}

/** Gives an existing image another name, e.g. `sample-app:v1` → `127.0.0.1:5000/sample-app:v1`. */
export async function tagImage(connection: Connection, source: string, target: string): Promise<void> {
  const normalized = normalizeImageRef(target);
  const at = normalized.lastIndexOf(':');
  try {
    await connection.api.getImage(source).tag({ repo: normalized.slice(0, at), tag: normalized.slice(at + 1) });
  } catch (error) {
    if (statusOf(error) === 404) throw new ImageNotFoundError(source, error);
    throw requestFailed(connection, error);
  }
}

/** Removes one reference (untags; deletes the image when it was the last). False when there was none. */
export async function removeImage(
  connection: Connection,
  ref: string,
  options: { force?: boolean } = {},
): Promise<boolean> {
  try {
    await connection.api.getImage(ref).remove({ force: options.force ?? false });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw requestFailed(connection, error);
  }
}
