import { type ImdsServer, startImds } from '@wunderproxy/testkit/imds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSourceError, fetchConfigText } from '../src/config-source.js';
import { readUserdataConfigUrl } from '../src/userdata.js';
import { CONFIG_BUCKET, putObject, swiftServer, withEnv } from './swift-fixture.js';

const CONFIG = '{"name": "app", "image": "sample-app:v1", "container": {"port": 8080}}';

/** Only IMDS can supply credentials: no keys in env, no shared config files, no container credentials. */
function instanceEnv(imds: ImdsServer): Record<string, string | undefined> {
  return {
    AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
    AWS_EC2_METADATA_DISABLED: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_ENDPOINT_URL_S3: swiftServer().endpoint,
    AWS_REGION: swiftServer().region,
  };
}

describe('readUserdataConfigUrl against a loopback IMDS', () => {
  let imds: ImdsServer;

  beforeAll(async () => {
    const swift = swiftServer();
    imds = await startImds({
      credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
    });
    await putObject(CONFIG_BUCKET, 'instance/app.json', CONFIG);
  });
  afterAll(async () => {
    await imds?.stop();
  });

  it('reads the URL from a cloud-init script and fetches it with instance-profile credentials', async () => {
    imds.setUserData(
      `#!/bin/bash\nexport WUNDERPROXY_CONFIG="s3://${CONFIG_BUCKET}/instance/app.json"\nwunderproxy launch --userdata\n`,
    );
    imds.requests.length = 0;
    const fetched = await withEnv(instanceEnv(imds), async () => {
      const url = await readUserdataConfigUrl();
      expect(url).toBe(`s3://${CONFIG_BUCKET}/instance/app.json`);
      return await fetchConfigText(url);
    });
    expect(fetched.text).toBe(CONFIG);
    // The S3 request was signed with the role's keys from IMDS (Swift checks the signature; it ignores the token).
    expect(imds.requests).toContain('/latest/user-data');
    expect(imds.requests).toContain('/latest/meta-data/iam/security-credentials/');
    expect(imds.requests.some((path) => /\/security-credentials\/wunderproxy-test-role$/.test(path))).toBe(true);
  });

  it('takes userdata that is just the URL', async () => {
    imds.setUserData(`s3://${CONFIG_BUCKET}/instance/app.json\n`);
    const url = await withEnv(instanceEnv(imds), () => readUserdataConfigUrl());
    expect(url).toBe(`s3://${CONFIG_BUCKET}/instance/app.json`);
  });

  it('says so when the instance has no userdata', async () => {
    imds.setUserData(undefined);
    const error = await withEnv(instanceEnv(imds), () => readUserdataConfigUrl()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigSourceError);
    expect(error).toMatchObject({
      code: 'CONFIG_FETCH_FAILED',
      message: 'EC2 instance userdata: this instance has no userdata (IMDS answered 404)',
    });
  });

  it('says so when the userdata names no URL', async () => {
    imds.setUserData('#!/bin/sh\necho hello\n');
    const error = await readUserdataConfigUrl({ endpoint: imds.endpoint }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigSourceError);
    expect((error as Error).message).toMatch(
      /^EC2 instance userdata: names no config URL \(expected a line WUNDERPROXY_CONFIG=/,
    );
  });

  it('says so when IMDS cannot be reached', async () => {
    const error = await readUserdataConfigUrl({ endpoint: 'http://127.0.0.1:1', retries: 0, timeoutMs: 500 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigSourceError);
    expect((error as Error).message).toMatch(
      /^EC2 instance userdata: cannot read it from IMDS at http:\/\/127.0.0.1:1: /,
    );
  });

  it('fails with access denied when the instance profile has the wrong keys', async () => {
    const wrong = await startImds({ credentials: { accessKeyId: swiftServer().accessKeyId, secretAccessKey: 'nope' } });
    try {
      const error = await withEnv(instanceEnv(wrong), () =>
        fetchConfigText(`s3://${CONFIG_BUCKET}/instance/app.json`),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigSourceError);
      expect((error as Error).message).toMatch(/access denied/);
      expect(wrong.requests.some((path) => path.endsWith('/security-credentials/wunderproxy-test-role'))).toBe(true);
    } finally {
      await wrong.stop();
    }
  });
});
