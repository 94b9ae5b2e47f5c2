import type { ParsedDigest } from './digest.js';

/**
 * Storage keys, the same for every driver (README "Storage layout"). Blobs (layers, configs and manifest bytes) are
 * stored once by digest; repositories hold small link files that make a blob visible in them.
 */
export const layout = {
  blob: (digest: ParsedDigest): string => `blobs/${digest.algorithm}/${digest.hex.slice(0, 2)}/${digest.hex}/data`,
  repositories: 'repositories',
  repository: (name: string): string => `repositories/${name}`,
  layerLink: (name: string, digest: ParsedDigest): string =>
    `repositories/${name}/_layers/${digest.algorithm}/${digest.hex}/link`,
  /** Holds JSON `{"mediaType": …}`: the type the manifest was pushed with, served back as Content-Type. */
  manifestRevision: (name: string, digest: ParsedDigest): string =>
    `repositories/${name}/_manifests/revisions/${digest.algorithm}/${digest.hex}/link`,
  tags: (name: string): string => `repositories/${name}/_manifests/tags`,
  tagLink: (name: string, tag: string): string => `repositories/${name}/_manifests/tags/${tag}/current/link`,
  referrers: (name: string, subject: ParsedDigest): string =>
    `repositories/${name}/_referrers/${subject.algorithm}/${subject.hex}`,
  /** Holds the referrer's descriptor as JSON; the file name is `algorithm-hex` of the referring manifest. */
  referrer: (name: string, subject: ParsedDigest, referrer: ParsedDigest): string =>
    `repositories/${name}/_referrers/${subject.algorithm}/${subject.hex}/${referrer.algorithm}-${referrer.hex}`,
};
