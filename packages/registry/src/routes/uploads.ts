import type { RequestContext } from '../context.js';
import { sendEmpty } from '../context.js';
import { parseDigest } from '../digest.js';
import { DigestInvalidError, NameInvalidError, RegistryError } from '../errors.js';
import { layout } from '../layout.js';
import { isValidRepositoryName } from '../names.js';
import type { UploadSession } from '../uploads.js';
import { rangeHeader } from './blobs.js';

function uploadLocation(repository: string, uuid: string): string {
  return `/v2/${repository}/blobs/uploads/${uuid}`;
}

function sessionHeaders(session: UploadSession): Record<string, string | number> {
  return {
    Location: uploadLocation(session.repository, session.uuid),
    Range: rangeHeader(session.size),
    'Docker-Upload-UUID': session.uuid,
  };
}

function hasBody(context: RequestContext): boolean {
  const { headers } = context.request;
  return (
    (headers['content-length'] !== undefined && headers['content-length'] !== '0') || !!headers['transfer-encoding']
  );
}

function sendCreated(context: RequestContext, digest: string): void {
  sendEmpty(context.response, 201, {
    Location: `/v2/${context.repository}/blobs/${digest}`,
    'Docker-Content-Digest': digest,
  });
}

/** POST `/v2/<name>/blobs/uploads/`: a cross-repository mount, a monolithic upload (`?digest=`), or a new session. */
export async function startUpload(context: RequestContext): Promise<void> {
  const { url, storage, uploads, repository } = context;
  const mount = url.searchParams.get('mount');
  if (mount !== null) {
    const digest = parseDigest(mount);
    const from = url.searchParams.get('from');
    if (from !== null && !isValidRepositoryName(from)) throw new NameInvalidError(from);
    const source = from ?? repository;
    const linked = (await storage.stat(layout.layerLink(source, digest))) !== undefined;
    if (linked && (await storage.stat(layout.blob(digest))) !== undefined) {
      await storage.writeSmall(layout.layerLink(repository, digest), digest.digest);
      sendCreated(context, digest.digest);
      return;
    }
    // The spec: a mount that cannot be done falls back to an ordinary upload session.
  }
  const digestParameter = url.searchParams.get('digest');
  const session = await uploads.start(repository);
  if (digestParameter !== null) {
    const digest = parseDigest(digestParameter);
    try {
      await uploads.append(session, context.request);
      await uploads.finish(session, digest);
    } catch (error) {
      await uploads.cancel(session);
      throw error;
    }
    sendCreated(context, digest.digest);
    return;
  }
  sendEmpty(context.response, 202, sessionHeaders(session));
}

/** Checks `Content-Range: start-end` (when sent) against what the session holds: chunks must come in order. */
function checkContentRange(context: RequestContext, session: UploadSession): void {
  const header = context.request.headers['content-range'];
  if (header === undefined) return;
  const match = /^(?:bytes )?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(header.trim());
  if (!match) throw new RegistryError('BLOB_UPLOAD_INVALID', 'invalid Content-Range', { contentRange: header });
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (start !== session.size || end < start) {
    throw new RegistryError('RANGE_INVALID', 'chunk out of order', { contentRange: header, uploaded: session.size });
  }
  const length = context.request.headers['content-length'];
  if (length !== undefined && Number(length) !== end - start + 1) {
    throw new RegistryError('SIZE_INVALID', 'Content-Length does not match Content-Range', { contentRange: header });
  }
}

/** PATCH `/v2/<name>/blobs/uploads/<uuid>`: appends one chunk (or, from docker, the whole stream). */
export async function patchUpload(context: RequestContext): Promise<void> {
  const session = await context.uploads.get(context.repository, context.reference);
  checkContentRange(context, session);
  await context.uploads.append(session, context.request);
  sendEmpty(context.response, 202, sessionHeaders(session));
}

/** GET `/v2/<name>/blobs/uploads/<uuid>`: how much the session holds. */
export async function getUploadStatus(context: RequestContext): Promise<void> {
  const session = await context.uploads.get(context.repository, context.reference);
  sendEmpty(context.response, 204, sessionHeaders(session));
}

/** PUT `/v2/<name>/blobs/uploads/<uuid>?digest=`: appends an optional last chunk, verifies, commits. */
export async function finishUpload(context: RequestContext): Promise<void> {
  const { uploads } = context;
  const session = await uploads.get(context.repository, context.reference);
  const digestParameter = context.url.searchParams.get('digest');
  if (digestParameter === null) throw new DigestInvalidError('digest parameter missing');
  const digest = parseDigest(digestParameter);
  if (hasBody(context)) {
    checkContentRange(context, session);
    await uploads.append(session, context.request);
  }
  await uploads.finish(session, digest);
  sendCreated(context, digest.digest);
}

/** DELETE `/v2/<name>/blobs/uploads/<uuid>`: cancels the session and drops its bytes. */
export async function cancelUpload(context: RequestContext): Promise<void> {
  const session = await context.uploads.get(context.repository, context.reference);
  await context.uploads.cancel(session);
  sendEmpty(context.response, 204);
}
