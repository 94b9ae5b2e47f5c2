import { type ImdsServer, startImds } from '@wunderproxy/testkit/imds';
import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { type S3Server, startSwift } from '@wunderproxy/testkit/swift';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import {
  appContainers,
  buildSampleImages,
  configDocument,
  launchFlags,
  removeAppContainers,
  runCli,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { startTestProxy } from './support/test-proxy.js';

// Configs in a real S3 API (OpenStack Swift's s3api, real SigV4), fetched with env keys or instance-profile keys.
let swift: S3Server;
let redis: RedisServer;
let images: SampleImages;
let work: Workdir;
const bucket = `configs-${Math.random().toString(16).slice(2, 8)}`;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [swift, redis, images] = await Promise.all([startSwift(), startRedis(), buildSampleImages(['v1', 'v2'])]);
  work = new Workdir();
  await swift.createBucket(bucket);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await images?.remove();
  await redis?.stop();
  await swift?.stop();
  work?.remove();
});

/** The env of a launched CLI: nothing AWS from this process, only what the test hands over. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('AWS_') && !key.startsWith('WUNDERPROXY_')) env[key] = value;
  return {
    ...env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    ...extra,
  };
}

async function app() {
  const name = uniqueName();
  const proxy = await startTestProxy(name, redis.url);
  cleanups.push(async () => {
    await proxy.close(500);
    await removeAppContainers(name);
  });
  const flags = launchFlags({ stateDir: work.stateDir(name), adminUrl: proxy.adminUrl, redisUrl: redis.url });
  for (const version of ['v1', 'v2']) {
    await swift.putObject(
      bucket,
      `${name}/${version}.json`,
      JSON.stringify(configDocument(name, { image: images.tags[version]! })),
    );
  }
  return { name, proxy, flags };
}

test('launch s3://bucket/key fetches the config from S3 with the env credentials', async () => {
  const { name, proxy, flags } = await app();
  const url = `s3://${bucket}/${name}/v1.json`;
  const result = await runCli(['launch', url, ...flags], { env: cleanEnv(swift.env) });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toMatch(new RegExp(`^fetched config \\(${url}\\) \\d+ ms$`, 'm'));
  expect((await proxy.get()).body).toBe('sample-app v1\n');
});

test('S3 errors exit 2 with a specific message and change nothing: access denied, no such key', async () => {
  const { name, proxy, flags } = await app();
  const deployed = await runCli(['launch', `s3://${bucket}/${name}/v1.json`, ...flags], { env: cleanEnv(swift.env) });
  expect(deployed.code, deployed.stderr).toBe(0);
  const containers = await appContainers(name);

  const denied = await runCli(['launch', `s3://${bucket}/${name}/v2.json`, ...flags], {
    env: cleanEnv({ ...swift.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }),
  });
  expect(denied.code, denied.stderr + denied.stdout).toBe(2);
  expect(denied.stderr).toMatch(
    new RegExp(
      `^wunderproxy: s3://${bucket}/${name}/v2\\.json: access denied: signature does not match, wrong secret key\\? \\(check the instance profile or AWS_\\* credentials\\)$`,
      'm',
    ),
  );

  const unknownKey = await runCli(['launch', `s3://${bucket}/${name}/v3.json`, ...flags], {
    env: cleanEnv({ ...swift.env, AWS_ACCESS_KEY_ID: 'nobody:else' }),
  });
  expect(unknownKey.code, unknownKey.stderr).toBe(2);
  expect(unknownKey.stderr).toMatch(/access denied/);

  const missing = await runCli(['launch', `s3://${bucket}/${name}/v9.json`, ...flags], { env: cleanEnv(swift.env) });
  expect(missing.code, missing.stderr).toBe(2);
  expect(missing.stderr).toContain(`wunderproxy: s3://${bucket}/${name}/v9.json: no such key`);

  expect(await appContainers(name)).toEqual(containers);
  expect((await proxy.get()).body).toBe('sample-app v1\n');
});

test('--userdata: config URL from IMDS userdata, config fetched from S3 with the instance-profile credentials', async () => {
  const { name, proxy, flags } = await app();
  const url = `s3://${bucket}/${name}/v2.json`;
  const imds: ImdsServer = await startImds({
    userData: `#!/bin/bash\nset -e\nexport WUNDERPROXY_CONFIG="${url}"\n/usr/local/bin/wunderproxy launch --userdata\n`,
    credentials: { accessKeyId: swift.accessKeyId, secretAccessKey: swift.secretAccessKey },
    roleName: 'launcher-test-role',
  });
  cleanups.push(() => imds.stop());
  // No AWS_ACCESS_KEY_ID/SECRET in the launched process: only the endpoints, as on an EC2 instance.
  const env = cleanEnv({
    AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
    AWS_ENDPOINT_URL_S3: swift.endpoint,
    AWS_REGION: swift.region,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  });
  expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
  expect(env.AWS_SECRET_ACCESS_KEY).toBeUndefined();
  const result = await runCli(['launch', '--userdata', ...flags], { env });
  expect(result.code, result.stderr + result.stdout).toBe(0);
  expect(result.stdout).toContain(`config URL from userdata: ${url}\n`);
  expect(result.stdout).toMatch(new RegExp(`^fetched config \\(${url}\\) \\d+ ms$`, 'm'));
  expect((await proxy.get()).body).toBe('sample-app v2\n');
  // The SDK really went to IMDS for the role's credentials (the signature Swift checked was made with them).
  const paths = imds.requests.map((p) => p.replace(/\/{2,}/g, '/'));
  expect(paths).toContain('/latest/user-data');
  expect(paths).toContain('/latest/meta-data/iam/security-credentials/launcher-test-role');

  const history = await runCli(['status', '--name', name, '--json', ...flags]);
  expect(history.code, history.stderr).toBe(0);
  const status = JSON.parse(history.stdout) as {
    deploys: Array<{ trigger: string; configUrl: string; outcome: string }>;
  };
  expect(status.deploys[0]).toMatchObject({ trigger: 'userdata', configUrl: url, outcome: 'succeeded' });
});

test('--userdata without an instance profile exits 2: no credentials for the S3 config', async () => {
  const { name, proxy, flags } = await app();
  const imds = await startImds({ userData: `s3://${bucket}/${name}/v1.json` });
  cleanups.push(() => imds.stop());
  const env = cleanEnv({
    AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.endpoint,
    AWS_ENDPOINT_URL_S3: swift.endpoint,
    AWS_REGION: swift.region,
  });
  const result = await runCli(['launch', '--userdata', ...flags], { env });
  expect(result.code, result.stderr + result.stdout).toBe(2);
  expect(result.stderr).toMatch(/no AWS credentials found/);
  expect(await appContainers(name)).toEqual([]);
  expect((await proxy.get()).status).toBe(502);
});
