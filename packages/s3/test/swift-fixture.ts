import { PutObjectCommand } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createS3Client } from '../src/client.js';

export { CONFIG_BUCKET } from './swift-global-setup.js';

export function swiftServer(): {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
} {
  return inject('swift');
}

/** Stores an object on the shared Swift with the tester's keys. */
export async function putObject(bucket: string, key: string, body: string): Promise<void> {
  const swift = swiftServer();
  const client = createS3Client({
    endpoint: swift.endpoint,
    region: swift.region,
    credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
  });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
}

/** Runs fn with process.env changed as given (undefined deletes), then restores it. */
export async function withEnv<T>(changes: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(changes);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}
