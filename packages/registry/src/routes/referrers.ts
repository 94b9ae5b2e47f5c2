import type { RequestContext } from '../context.js';
import { sendJson } from '../context.js';
import { parseDigest } from '../digest.js';
import { layout } from '../layout.js';
import { type Descriptor, mediaTypes } from '../manifest.js';

/**
 * GET `/v2/<name>/referrers/<digest>`: an OCI index of the manifests whose `subject` is digest, optionally filtered by
 * `artifactType`. An unknown subject answers an empty index, as the spec asks.
 */
export async function listReferrers(context: RequestContext): Promise<void> {
  const { storage, repository } = context;
  const subject = parseDigest(context.reference);
  const directory = layout.referrers(repository, subject);
  const descriptors: Descriptor[] = [];
  for (const entry of await storage.listChildren(directory)) {
    const bytes = await storage.readSmall(`${directory}/${entry}`);
    if (bytes !== undefined) descriptors.push(JSON.parse(bytes.toString('utf8')) as Descriptor);
  }
  const artifactType = context.url.searchParams.get('artifactType');
  const manifests =
    artifactType === null ? descriptors : descriptors.filter((entry) => entry.artifactType === artifactType);
  const headers: Record<string, string> = artifactType === null ? {} : { 'OCI-Filters-Applied': 'artifactType' };
  sendJson(
    context.response,
    200,
    { schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests },
    { ...headers, 'Content-Type': mediaTypes.ociIndex },
  );
}
