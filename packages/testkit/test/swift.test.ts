import { createHash, randomBytes } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startSwift } from '../src/swift.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const MiB = 1024 * 1024;

describe('startSwift', () => {
  let swift: S3Server;
  let client: S3Client;

  beforeAll(async () => {
    swift = await startSwift();
    client = new S3Client({
      endpoint: swift.endpoint,
      region: swift.region,
      credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await swift.createBucket('testkit');
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await swift?.stop();
  });

  it('stores an object and returns it unchanged', async () => {
    await swift.putObject('testkit', 'dir/hello.txt', 'hello swift');
    const got = await client.send(new GetObjectCommand({ Bucket: 'testkit', Key: 'dir/hello.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello swift');
  });

  it('assembles a multipart upload from lib-storage and gives it a multipart ETag', async () => {
    const body = randomBytes(11 * MiB);
    const upload = new Upload({
      client,
      params: { Bucket: 'testkit', Key: 'big.bin', Body: body },
      partSize: 5 * MiB,
      queueSize: 2,
    });
    await upload.done();

    const head = await client.send(new HeadObjectCommand({ Bucket: 'testkit', Key: 'big.bin' }));
    expect(head.ContentLength).toBe(body.length);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}-3"$/);
    const got = await client.send(new GetObjectCommand({ Bucket: 'testkit', Key: 'big.bin' }));
    const bytes = await got.Body!.transformToByteArray();
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('lists keys under a prefix', async () => {
    await swift.putObject('testkit', 'list/a', new Uint8Array([1]));
    await swift.putObject('testkit', 'list/b', 'b');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'testkit', Prefix: 'list/' }));
    expect(listed.Contents?.map((o) => o.Key)).toEqual(['list/a', 'list/b']);
  });

  it('refuses a request signed with the wrong secret key', async () => {
    const wrong = new S3Client({
      endpoint: swift.endpoint,
      region: swift.region,
      credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: 'not-the-secret' },
      forcePathStyle: true,
    });
    const error = await wrong.send(new GetObjectCommand({ Bucket: 'testkit', Key: 'dir/hello.txt' })).catch((e) => e);
    wrong.destroy();
    expect((error as S3ServiceException).name).toBe('SignatureDoesNotMatch');
  });

  it('exports env vars for child processes that point the SDK at the server', () => {
    expect(swift.env).toMatchObject({
      AWS_ACCESS_KEY_ID: 'test:tester',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL_S3: swift.endpoint,
    });
  });
});
