import { formatS3Url, type S3Location } from './url.js';

/**
 * S3's own error code (`NoSuchKey`, `NoSuchBucket`, `AccessDenied`, `InvalidAccessKeyId`, `SignatureDoesNotMatch`,
 * `PermanentRedirect`, …), or one of ours: `NoCredentials` (the default chain found none), `NetworkError` (S3 not
 * reached), `Timeout`.
 */
export type S3ErrorCode =
  | 'NoSuchKey'
  | 'NoSuchBucket'
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'PermanentRedirect'
  | 'NoCredentials'
  | 'NetworkError'
  | 'Timeout'
  | (string & {});

const CHECK_CREDENTIALS = 'check the instance profile or AWS_* credentials';

/** A failed S3 request, with a message that names the object and says what happened in words. */
export class S3Error extends Error {
  override readonly name = 'S3Error';
  readonly code: S3ErrorCode;
  readonly bucket: string;
  readonly key: string;
  /** The HTTP status S3 answered, when it answered. */
  readonly httpStatus: number | undefined;

  constructor(location: S3Location, code: S3ErrorCode, what: string, httpStatus?: number, cause?: unknown) {
    super(`${formatS3Url(location)}: ${what}`, cause === undefined ? undefined : { cause });
    this.code = code;
    this.bucket = location.bucket;
    this.key = location.key;
    this.httpStatus = httpStatus;
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string | undefined> };
}

/** Maps whatever the SDK threw for a request on `location` to an {@link S3Error}. */
export function toS3Error(error: unknown, location: S3Location): S3Error {
  if (error instanceof S3Error) return error;
  const sdk = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = sdk.name ?? 'Error';
  const status = sdk.$metadata?.httpStatusCode;
  const detail = sdk.message ?? String(error);
  const make = (code: S3ErrorCode, what: string): S3Error => new S3Error(location, code, what, status, error);

  switch (name) {
    case 'NoSuchKey':
      return make('NoSuchKey', 'no such key');
    case 'NoSuchBucket':
      return make('NoSuchBucket', `bucket "${location.bucket}" does not exist`);
    case 'AccessDenied':
      return make('AccessDenied', `access denied (${CHECK_CREDENTIALS})`);
    case 'InvalidAccessKeyId':
      return make('InvalidAccessKeyId', `access denied: S3 does not know the access key id (${CHECK_CREDENTIALS})`);
    case 'SignatureDoesNotMatch':
      return make(
        'SignatureDoesNotMatch',
        `access denied: signature does not match, wrong secret key? (${CHECK_CREDENTIALS})`,
      );
    case 'PermanentRedirect':
    case 'AuthorizationHeaderMalformed': {
      const region = sdk.$response?.headers?.['x-amz-bucket-region'];
      return make(name, `the bucket is in ${region ? `region ${region}` : 'another region'} (${detail})`);
    }
    case 'CredentialsProviderError':
      return make(
        'NoCredentials',
        `no AWS credentials found (no AWS_* env vars, shared config or instance profile): ${detail}`,
      );
    case 'TimeoutError':
    case 'AbortError':
      return make('Timeout', `no answer from S3 in time (${detail})`);
  }
  if (status === undefined) {
    const code = sdk.code ?? name;
    return make('NetworkError', `cannot reach S3: ${code === detail ? detail : `${code}: ${detail}`}`);
  }
  if (status === 404) return make(name === 'NotFound' ? 'NoSuchKey' : name, `not found (${name}, HTTP 404)`);
  if (status === 403)
    return make(name === 'Forbidden' ? 'AccessDenied' : name, `access denied (${name}, ${CHECK_CREDENTIALS})`);
  return make(name, `${name}: ${detail} (HTTP ${status})`);
}
