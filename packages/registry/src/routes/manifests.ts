import type { RequestContext } from '../context.js';
import { readBody, sendEmpty, sendJson } from '../context.js';
import { digestOf, isDigest, type ParsedDigest, parseDigest } from '../digest.js';
import { DigestInvalidError, ManifestUnknownError, RegistryError } from '../errors.js';
import { layout } from '../layout.js';
import { type Descriptor, maxManifestBytes, type ParsedManifest, parseManifest } from '../manifest.js';
import { assertTag } from '../names.js';

/** The JSON held by a revision link: what GET needs besides the bytes. */
interface RevisionRecord {
  mediaType: string;
}

/** Resolves a tag or digest reference to the digest of a manifest in the repository. */
async function resolveReference(context: RequestContext, reference: string): Promise<ParsedDigest> {
  if (isDigest(reference)) return parseDigest(reference);
  assertTag(reference);
  const link = await context.storage.readSmall(layout.tagLink(context.repository, reference));
  if (link === undefined) throw new ManifestUnknownError(reference);
  return parseDigest(link.toString('utf8').trim());
}

async function readRevision(context: RequestContext, digest: ParsedDigest): Promise<RevisionRecord | undefined> {
  const record = await context.storage.readSmall(layout.manifestRevision(context.repository, digest));
  return record === undefined ? undefined : (JSON.parse(record.toString('utf8')) as RevisionRecord);
}

/** GET and HEAD `/v2/<name>/manifests/<reference>`: the exact bytes pushed, with the media type they were pushed as. */
export async function getManifest(context: RequestContext): Promise<void> {
  const digest = await resolveReference(context, context.reference);
  const revision = await readRevision(context, digest);
  if (revision === undefined) throw new ManifestUnknownError(context.reference);
  const bytes = await context.storage.readSmall(layout.blob(digest));
  if (bytes === undefined) throw new ManifestUnknownError(context.reference);
  context.response.writeHead(200, {
    'Content-Type': revision.mediaType,
    'Content-Length': bytes.length,
    'Docker-Content-Digest': digest.digest,
    ETag: `"${digest.digest}"`,
  });
  context.response.end(context.request.method === 'HEAD' ? undefined : bytes);
}

/** PUT `/v2/<name>/manifests/<reference>`: stores a manifest whose blobs (or child manifests) the repository holds. */
export async function putManifest(context: RequestContext): Promise<void> {
  const { storage, repository, reference } = context;
  const tag = isDigest(reference) ? undefined : reference;
  if (tag !== undefined) assertTag(tag);
  const expected = tag === undefined ? parseDigest(reference) : undefined;
  const bytes = await readBody(context.request, maxManifestBytes);
  if (bytes === undefined) {
    sendJson(context.response, 413, {
      errors: [{ code: 'SIZE_INVALID', message: `manifest larger than ${maxManifestBytes} bytes` }],
    });
    return;
  }
  const digest = parseDigest(digestOf(bytes, expected?.algorithm ?? 'sha256'));
  if (expected && expected.hex !== digest.hex) {
    throw new DigestInvalidError('manifest digest does not match its content', {
      expected: expected.digest,
      actual: digest.digest,
    });
  }
  const manifest = parseManifest(bytes, context.request.headers['content-type']);
  // Checked before anything is written: a bad subject must not leave the tag moved behind a 400.
  const subject = manifest.subject ? parseDigest(manifest.subject.digest) : undefined;
  await assertReferencesKnown(context, manifest);
  const blobKey = layout.blob(digest);
  if ((await storage.stat(blobKey)) === undefined) await storage.writeSmall(blobKey, bytes);
  const revision: RevisionRecord = { mediaType: manifest.mediaType };
  await storage.writeSmall(layout.manifestRevision(repository, digest), JSON.stringify(revision));
  if (tag !== undefined) await storage.writeSmall(layout.tagLink(repository, tag), digest.digest);
  const headers: Record<string, string> = {
    Location: `/v2/${repository}/manifests/${digest.digest}`,
    'Docker-Content-Digest': digest.digest,
  };
  if (subject !== undefined) {
    const descriptor: Descriptor = {
      mediaType: manifest.mediaType,
      digest: digest.digest,
      size: bytes.length,
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
      ...(manifest.annotations ? { annotations: manifest.annotations } : {}),
    };
    await storage.writeSmall(layout.referrer(repository, subject, digest), JSON.stringify(descriptor));
    headers['OCI-Subject'] = subject.digest;
  }
  sendEmpty(context.response, 201, headers);
}

/** Every layer and config must be in the repository; every manifest of an index too. */
async function assertReferencesKnown(context: RequestContext, manifest: ParsedManifest): Promise<void> {
  const { storage, repository } = context;
  await Promise.all(
    manifest.references.map(async (descriptor) => {
      // Foreign (non-distributable) layers live at their `urls`, not here.
      if ('urls' in descriptor) return;
      const digest = parseDigest(descriptor.digest);
      const key = manifest.isIndex ? layout.manifestRevision(repository, digest) : layout.layerLink(repository, digest);
      if ((await storage.stat(key)) !== undefined) return;
      if (manifest.isIndex) {
        throw new RegistryError('MANIFEST_UNKNOWN', 'index references an unknown manifest', { digest: digest.digest });
      }
      throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'manifest references an unknown blob', {
        digest: digest.digest,
      });
    }),
  );
}

/** DELETE `/v2/<name>/manifests/<reference>`: by digest removes the manifest and tags on it; by tag only the tag. */
export async function deleteManifest(context: RequestContext): Promise<void> {
  const { storage, repository, reference } = context;
  if (!isDigest(reference)) {
    assertTag(reference);
    if (!(await storage.delete(layout.tagLink(repository, reference)))) throw new ManifestUnknownError(reference);
    sendEmpty(context.response, 202);
    return;
  }
  const digest = parseDigest(reference);
  if ((await readRevision(context, digest)) === undefined) throw new ManifestUnknownError(reference);
  const bytes = await storage.readSmall(layout.blob(digest));
  await storage.delete(layout.manifestRevision(repository, digest));
  for (const tag of await storage.listChildren(layout.tags(repository))) {
    const link = await storage.readSmall(layout.tagLink(repository, tag));
    if (link?.toString('utf8').trim() === digest.digest) await storage.delete(layout.tagLink(repository, tag));
  }
  const subject = bytes === undefined ? undefined : subjectOf(bytes);
  if (subject) await storage.delete(layout.referrer(repository, subject, digest));
  sendEmpty(context.response, 202, { 'Docker-Content-Digest': digest.digest });
}

function subjectOf(bytes: Buffer): ParsedDigest | undefined {
  try {
    const document = JSON.parse(bytes.toString('utf8')) as { subject?: { digest?: unknown } };
    return typeof document.subject?.digest === 'string' ? parseDigest(document.subject.digest) : undefined;
  } catch {
    return undefined;
  }
}
