/** Where an object lives in S3. */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** An S3 location read from a URL; region is set when the URL names one. */
export interface S3Url extends S3Location {
  readonly region?: string;
}

// Hosts of the S3 API on AWS (not the s3-website-* hosts, which serve HTML). Each form, optionally with a bucket in
// front (virtual-hosted style): s3, s3.REGION, s3-REGION (legacy dash form), s3.dualstack.REGION, s3-external-1.
const REGION = '[a-z]{2}(?:-gov|-iso[a-z]*)?-[a-z]+-[0-9]+';
const S3_HOST = new RegExp(
  `^(?:(?<bucket>.+)\\.)?s3(?:(?:\\.dualstack)?\\.(?<region>${REGION})|-(?<dashRegion>${REGION})|-(?<external>external-1)|-accelerate(?:\\.dualstack)?)?\\.amazonaws\\.com(?:\\.cn)?$`,
);

/**
 * Reads `s3://bucket/key` and the https URL forms of S3 objects:
 *
 * - virtual-hosted `https://bucket.s3.REGION.amazonaws.com/key`, `https://bucket.s3.amazonaws.com/key`,
 *   legacy `https://bucket.s3-REGION.amazonaws.com/key`, dualstack `https://bucket.s3.dualstack.REGION.amazonaws.com/key`
 * - path-style `https://s3.REGION.amazonaws.com/bucket/key`, `https://s3-REGION.amazonaws.com/bucket/key`,
 *   `https://s3.amazonaws.com/bucket/key`
 *
 * Keys of https URLs are percent-decoded (they are URL paths); keys of `s3://` URLs are taken literally, as the
 * AWS CLI does. Returns null for anything else, including https URLs of other hosts. The key may be empty
 * (`s3://bucket`, `s3://bucket/`), as for a prefix.
 */
export function parseS3Url(url: string): S3Url | null {
  const s3 = /^s3:\/\/([^/]+)(?:\/(.*))?$/s.exec(url);
  if (s3 !== null) return { bucket: s3[1]!, key: s3[2] ?? '' };

  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  const host = S3_HOST.exec(parsed.hostname.toLowerCase());
  if (host === null) return null;
  const { bucket: hostBucket, region: dotRegion, dashRegion, external } = host.groups ?? {};
  const region = dotRegion ?? dashRegion ?? (external ? 'us-east-1' : undefined);

  let bucket: string;
  let encodedKey: string;
  if (hostBucket !== undefined) {
    bucket = hostBucket;
    encodedKey = parsed.pathname.slice(1);
  } else {
    const path = /^\/([^/]+)(?:\/(.*))?$/s.exec(parsed.pathname);
    if (path === null) return null;
    bucket = decodeURIComponent(path[1]!);
    encodedKey = path[2] ?? '';
  }
  let key: string;
  try {
    key = decodeURIComponent(encodedKey);
  } catch {
    return null;
  }
  return region === undefined ? { bucket, key } : { bucket, key, region };
}

/** `s3://bucket/key`, the form error messages use. */
export function formatS3Url(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}
