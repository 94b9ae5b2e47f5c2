import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Error, toS3Error } from './s3-error.js';
import type { S3Location } from './url.js';

export interface GetObjectOptions {
  /** Aborts the request (e.g. `AbortSignal.timeout(ms)`); the S3Error then has code `Timeout`. */
  abortSignal?: AbortSignal | undefined;
}

/** The object's body as UTF-8 text. Throws {@link S3Error}. */
export async function getObjectText(
  client: S3Client,
  location: S3Location,
  options: GetObjectOptions = {},
): Promise<string> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
      abortSignal: options.abortSignal,
    });
    if (response.Body === undefined) return '';
    return await response.Body.transformToString('utf-8');
  } catch (error) {
    throw toS3Error(error, location);
  }
}

/** The object's body as a Node stream, once S3 answered the request. Throws {@link S3Error}. */
export async function getObjectStream(
  client: S3Client,
  location: S3Location,
  options: GetObjectOptions = {},
): Promise<Readable> {
  let body: unknown;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }), {
      abortSignal: options.abortSignal,
    });
    body = response.Body;
  } catch (error) {
    throw toS3Error(error, location);
  }
  // In Node the SDK's body is an http.IncomingMessage (a Readable) with the SDK's mixin methods.
  if (body === undefined || body === null || typeof (body as Readable).pipe !== 'function') {
    throw new S3Error(location, 'NoBody', 'S3 answered without a readable body');
  }
  return body as Readable;
}
