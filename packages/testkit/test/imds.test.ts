import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImdsServer, startImds } from '../src/imds.js';

describe('startImds', () => {
  let imds: ImdsServer;

  beforeAll(async () => {
    imds = await startImds({ userData: '#!/bin/sh\n', credentials: { accessKeyId: 'AK', secretAccessKey: 'SK' } });
  });
  afterAll(async () => {
    await imds?.stop();
  });

  const get = async (path: string, token?: string): Promise<Response> =>
    await fetch(`${imds.endpoint}${path}`, { headers: token ? { 'x-aws-ec2-metadata-token': token } : {} });
  const token = async (): Promise<string> => {
    const response = await fetch(`${imds.endpoint}/latest/api/token`, {
      method: 'PUT',
      headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' },
    });
    expect(response.status).toBe(200);
    return await response.text();
  };

  it('answers 401 to a GET without an IMDSv2 token', async () => {
    expect((await get('/latest/user-data')).status).toBe(401);
    expect((await get('/latest/user-data', 'made-up')).status).toBe(401);
  });

  it('serves user data, and 404 once it is removed', async () => {
    const t = await token();
    expect(await (await get('/latest/user-data', t)).text()).toBe('#!/bin/sh\n');
    imds.setUserData(undefined);
    expect((await get('/latest/user-data', t)).status).toBe(404);
    imds.setUserData('again');
    expect(await (await get('/latest/user-data', t)).text()).toBe('again');
  });

  it('serves the role and its credentials document', async () => {
    const t = await token();
    const role = await (await get('/latest/meta-data/iam/security-credentials/', t)).text();
    const document = (await (await get(`/latest/meta-data/iam/security-credentials/${role}`, t)).json()) as {
      Expiration: string;
    };
    expect(document).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: 'AK', SecretAccessKey: 'SK' });
    expect(Date.parse(document.Expiration)).toBeGreaterThan(Date.now());
  });

  it('works with the SDK MetadataService and records the paths it asked for', async () => {
    imds.setUserData('from-sdk');
    const service = new MetadataService({ endpoint: imds.endpoint, retries: 0 });
    expect(await service.request('/latest/user-data', {})).toBe('from-sdk');
    expect(imds.requests.at(-1)).toMatch(/\/latest\/user-data$/);
  });
});
