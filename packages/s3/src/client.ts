import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  /** An S3-compatible endpoint (e.g. `http://127.0.0.1:9000`); defaults to `AWS_ENDPOINT_URL_S3`, then AWS. */
  endpoint?: string | undefined;
  /** Defaults to `AWS_REGION`, then `us-east-1` (S3 answers a redirect hint when the bucket lives elsewhere). */
  region?: string | undefined;
  /** Fixed credentials instead of the SDK's default chain (tests, or keys handed over explicitly). */
  credentials?: S3ClientConfig['credentials'] | undefined;
}

/**
 * Builds an S3 client on the SDK's default credential chain (env keys, shared config, EC2 instance profile via IMDSv2).
 * Against a custom endpoint, request checksums are only sent when an operation requires them: the SDK's default
 * `aws-chunked` streamed uploads with trailing CRC32 are corrupted by s3rver and refused (501) by Swift's s3api.
 * Against real AWS the SDK defaults stay, and the client follows S3's region redirects: an `s3://bucket/key` URL
 * names no region and EC2 instances have no AWS_REGION by default, so the first guess is often wrong.
 */
export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const credentials = options.credentials === undefined ? {} : { credentials: options.credentials };
  if (endpoint === undefined || endpoint === '') {
    return new S3Client({ region, followRegionRedirects: true, ...credentials });
  }
  return new S3Client({
    region,
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...credentials,
  });
}
