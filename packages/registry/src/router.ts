import type { RouteHandler } from './context.js';
import { deleteBlob, getBlob } from './routes/blobs.js';
import { deleteManifest, getManifest, putManifest } from './routes/manifests.js';
import { listReferrers } from './routes/referrers.js';
import { listTags } from './routes/tags.js';
import { cancelUpload, finishUpload, getUploadStatus, patchUpload, startUpload } from './routes/uploads.js';

interface Route {
  /** Group 1 is the repository name (validated after matching), group 2 the reference, if any. */
  readonly pattern: RegExp;
  readonly methods: Readonly<Record<string, RouteHandler>>;
}

/**
 * Repository names contain slashes, so each route anchors on its fixed suffix. Order matters: uploads before blobs.
 * Paths are matched raw (not percent-decoded), so `%2e%2e` can never become a `..` segment.
 */
const routes: readonly Route[] = [
  { pattern: /^\/v2\/(.+)\/tags\/list$/, methods: { GET: listTags } },
  {
    pattern: /^\/v2\/(.+)\/manifests\/([^/]+)$/,
    methods: { GET: getManifest, HEAD: getManifest, PUT: putManifest, DELETE: deleteManifest },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/uploads\/?()$/, methods: { POST: startUpload } },
  {
    pattern: /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/,
    methods: { GET: getUploadStatus, PATCH: patchUpload, PUT: finishUpload, DELETE: cancelUpload },
  },
  { pattern: /^\/v2\/(.+)\/blobs\/([^/]+)$/, methods: { GET: getBlob, HEAD: getBlob, DELETE: deleteBlob } },
  { pattern: /^\/v2\/(.+)\/referrers\/([^/]+)$/, methods: { GET: listReferrers } },
];

export type RouteMatch =
  | { kind: 'handler'; handler: RouteHandler; repository: string; reference: string }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

export function matchRoute(method: string, pathname: string): RouteMatch {
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const handler = route.methods[method];
    if (!handler) return { kind: 'method-not-allowed', allowed: Object.keys(route.methods) };
    return { kind: 'handler', handler, repository: match[1] ?? '', reference: decodeReference(match[2] ?? '') };
  }
  return { kind: 'not-found' };
}

/** Clients may percent-encode the `:` of a digest; a malformed escape stays as is and fails validation later. */
function decodeReference(reference: string): string {
  try {
    return decodeURIComponent(reference);
  } catch {
    return reference;
  }
}
