import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '@wunderproxy/testkit/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSourceError, fetchConfigText } from '../src/config-source.js';
import { S3Error } from '../src/s3-error.js';
import { CONFIG_BUCKET, putObject, swiftServer } from './swift-fixture.js';

const CONFIG = '{"name": "app", "image": "sample-app:v1", "container": {"port": 8080}}\n';

async function fetchError(url: string, options?: Parameters<typeof fetchConfigText>[1]): Promise<ConfigSourceError> {
  const error = await fetchConfigText(url, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigSourceError);
  expect(error).toMatchObject({ code: 'CONFIG_FETCH_FAILED', name: 'ConfigSourceError' });
  return error as ConfigSourceError;
}

describe('fetchConfigText from S3 (Swift)', () => {
  const s3Options = (secretAccessKey?: string) => {
    const swift = swiftServer();
    return {
      s3: {
        endpoint: swift.endpoint,
        region: swift.region,
        credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: secretAccessKey ?? swift.secretAccessKey },
      },
    };
  };

  beforeAll(async () => {
    await putObject(CONFIG_BUCKET, 'apps/app.json', CONFIG);
    await putObject(CONFIG_BUCKET, 'apps/my app+v2.json', CONFIG);
  });

  it('fetches s3://bucket/key', async () => {
    const fetched = await fetchConfigText(`s3://${CONFIG_BUCKET}/apps/app.json`, s3Options());
    expect(fetched).toEqual({ text: CONFIG, source: `s3://${CONFIG_BUCKET}/apps/app.json` });
  });

  it('fetches a path-style S3 https URL through the SDK (signed), with its key percent-decoded', async () => {
    const url = `https://s3.us-east-1.amazonaws.com/${CONFIG_BUCKET}/apps/my%20app%2Bv2.json`;
    const fetched = await fetchConfigText(url, s3Options());
    expect(fetched).toEqual({ text: CONFIG, source: url });
  });

  it('fetches with AWS_* env credentials and AWS_ENDPOINT_URL_S3 when given no options', async () => {
    const swift = swiftServer();
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: swift.accessKeyId,
      AWS_SECRET_ACCESS_KEY: swift.secretAccessKey,
      AWS_ENDPOINT_URL_S3: swift.endpoint,
    });
    try {
      expect((await fetchConfigText(`s3://${CONFIG_BUCKET}/apps/app.json`)).text).toBe(CONFIG);
    } finally {
      process.env = saved;
    }
  });

  it('says NoSuchKey for a missing key', async () => {
    const error = await fetchError(`s3://${CONFIG_BUCKET}/apps/missing.json`, s3Options());
    expect(error.message).toBe(`s3://${CONFIG_BUCKET}/apps/missing.json: no such key`);
    expect(error.cause).toBeInstanceOf(S3Error);
    expect(error.cause).toMatchObject({ code: 'NoSuchKey', httpStatus: 404 });
  });

  it('says NoSuchBucket for a missing bucket', async () => {
    const error = await fetchError('s3://no-such-bucket/app.json', s3Options());
    expect(error.message).toBe('s3://no-such-bucket/app.json: bucket "no-such-bucket" does not exist');
    expect(error.cause).toMatchObject({ code: 'NoSuchBucket' });
  });

  it('says access denied when the secret key is wrong', async () => {
    const error = await fetchError(`s3://${CONFIG_BUCKET}/apps/app.json`, s3Options('wrong-secret'));
    expect(error.message).toMatch(
      new RegExp(
        `^s3://${CONFIG_BUCKET}/apps/app.json: access denied: .*check the instance profile or AWS_\\* credentials`,
      ),
    );
    expect(error.cause).toMatchObject({ code: 'SignatureDoesNotMatch', httpStatus: 403 });
  });

  it('names the https URL and the object for S3 https URLs', async () => {
    const url = `https://s3.amazonaws.com/${CONFIG_BUCKET}/apps/missing.json`;
    const error = await fetchError(url, s3Options());
    expect(error.message).toBe(`${url}: s3://${CONFIG_BUCKET}/apps/missing.json: no such key`);
  });

  it('refuses a bucket or prefix URL', async () => {
    const error = await fetchError(`s3://${CONFIG_BUCKET}/apps/`, s3Options());
    expect(error.message).toBe(`s3://${CONFIG_BUCKET}/apps/: names a bucket or prefix, not an object`);
  });

  it('says when S3 cannot be reached', async () => {
    const error = await fetchError(`s3://${CONFIG_BUCKET}/apps/app.json`, {
      s3: { ...s3Options().s3, endpoint: 'http://127.0.0.1:1' },
    });
    expect(error.message).toMatch(new RegExp(`^s3://${CONFIG_BUCKET}/apps/app.json: cannot reach S3: .*ECONNREFUSED`));
  });
});

describe('fetchConfigText over http', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/app.json') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(CONFIG);
      } else if (request.url === '/moved') {
        response.writeHead(302, { location: '/app.json' });
        response.end();
      } else if (request.url === '/slow') {
        setTimeout(() => response.end(CONFIG), 2_000).unref();
      } else {
        response.writeHead(404);
        response.end('nope');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('fetches a document, following redirects', async () => {
    expect(await fetchConfigText(`${base}/app.json`)).toEqual({ text: CONFIG, source: `${base}/app.json` });
    expect((await fetchConfigText(`${base}/moved`)).text).toBe(CONFIG);
  });

  it('shows the status of a non-2xx answer', async () => {
    const error = await fetchError(`${base}/missing.json`);
    expect(error.message).toBe(`${base}/missing.json: HTTP 404 Not Found`);
  });

  it('gives up after the timeout', async () => {
    const error = await fetchError(`${base}/slow`, { timeoutMs: 200 });
    expect(error.message).toBe(`${base}/slow: no complete answer within 200 ms`);
  });

  it('says when nothing listens', async () => {
    const url = `http://127.0.0.1:${await freePort()}/app.json`;
    expect((await fetchError(url)).message).toBe(`${url}: cannot fetch (ECONNREFUSED)`);
  });
});

describe('fetchConfigText from local files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wp-config-source-'));
  const file = join(dir, 'app.json');
  writeFileSync(file, CONFIG);

  it('reads a path and a file:// URL, reporting the absolute path as source', async () => {
    expect(await fetchConfigText(file)).toEqual({ text: CONFIG, source: file });
    expect(await fetchConfigText(pathToFileURL(file).href)).toEqual({ text: CONFIG, source: file });
  });

  it('names the missing path', async () => {
    const missing = join(dir, 'missing.json');
    expect((await fetchError(missing)).message).toBe(`${missing}: no such file`);
    expect((await fetchError(pathToFileURL(missing).href)).message).toBe(`${missing}: no such file`);
  });

  it('says a directory is not a file', async () => {
    expect((await fetchError(dir)).message).toBe(`${dir}: is a directory, not a file`);
  });

  it('refuses an unknown URL scheme', async () => {
    expect((await fetchError('ftp://example.com/app.json')).message).toMatch(
      /^ftp:\/\/example.com\/app.json: unsupported URL scheme/,
    );
  });
});
