import { describe, expect, it } from 'vitest';
import { formatS3Url, parseS3Url } from './url.js';

describe('parseS3Url', () => {
  it.each([
    ['s3://bucket/key.json', { bucket: 'bucket', key: 'key.json' }],
    ['s3://bucket/dir/sub/app.json', { bucket: 'bucket', key: 'dir/sub/app.json' }],
    ['s3://bucket', { bucket: 'bucket', key: '' }],
    ['s3://bucket/', { bucket: 'bucket', key: '' }],
    ['s3://artifacts/registry', { bucket: 'artifacts', key: 'registry' }],
    ['s3://bucket/with space%20literal', { bucket: 'bucket', key: 'with space%20literal' }],
    // virtual-hosted
    ['https://bucket.s3.eu-west-1.amazonaws.com/app.json', { bucket: 'bucket', key: 'app.json', region: 'eu-west-1' }],
    ['https://bucket.s3.amazonaws.com/app.json', { bucket: 'bucket', key: 'app.json' }],
    [
      'https://de-dynport-docker.s3-eu-west-1.amazonaws.com/phrase.config',
      { bucket: 'de-dynport-docker', key: 'phrase.config', region: 'eu-west-1' },
    ],
    [
      'https://my.dotted.bucket.s3.us-west-2.amazonaws.com/a/b',
      { bucket: 'my.dotted.bucket', key: 'a/b', region: 'us-west-2' },
    ],
    [
      'https://bucket.s3.dualstack.ap-southeast-2.amazonaws.com/k',
      { bucket: 'bucket', key: 'k', region: 'ap-southeast-2' },
    ],
    ['https://bucket.s3.us-gov-west-1.amazonaws.com/k', { bucket: 'bucket', key: 'k', region: 'us-gov-west-1' }],
    ['https://bucket.s3.cn-north-1.amazonaws.com.cn/k', { bucket: 'bucket', key: 'k', region: 'cn-north-1' }],
    ['https://bucket.s3-external-1.amazonaws.com/k', { bucket: 'bucket', key: 'k', region: 'us-east-1' }],
    ['https://bucket.s3-accelerate.amazonaws.com/k', { bucket: 'bucket', key: 'k' }],
    ['https://BUCKET.S3.EU-WEST-1.AMAZONAWS.COM/Key', { bucket: 'bucket', key: 'Key', region: 'eu-west-1' }],
    // path-style
    [
      'https://s3.eu-central-1.amazonaws.com/bucket/dir/app.json',
      { bucket: 'bucket', key: 'dir/app.json', region: 'eu-central-1' },
    ],
    ['https://s3-eu-west-1.amazonaws.com/bucket/app.json', { bucket: 'bucket', key: 'app.json', region: 'eu-west-1' }],
    ['https://s3.amazonaws.com/bucket/app.json', { bucket: 'bucket', key: 'app.json' }],
    ['https://s3.dualstack.us-east-2.amazonaws.com/bucket/k', { bucket: 'bucket', key: 'k', region: 'us-east-2' }],
    ['https://s3.amazonaws.com/bucket', { bucket: 'bucket', key: '' }],
    ['http://s3.amazonaws.com/bucket/k', { bucket: 'bucket', key: 'k' }],
    // keys of URLs are percent-decoded; query strings (e.g. presigned) are not part of the key
    ['https://bucket.s3.amazonaws.com/dir/my%20app%2Bv2.json', { bucket: 'bucket', key: 'dir/my app+v2.json' }],
    ['https://s3.amazonaws.com/bucket/a%2Fb', { bucket: 'bucket', key: 'a/b' }],
    ['https://bucket.s3.amazonaws.com/k.json?versionId=3', { bucket: 'bucket', key: 'k.json' }],
  ])('reads %s', (url, expected) => {
    expect(parseS3Url(url)).toEqual(expected);
  });

  it.each([
    'https://example.com/app.json',
    'https://amazonaws.com/bucket/key',
    'https://bucket.s3-website-us-east-1.amazonaws.com/index.html',
    'https://bucket.s3-website.eu-west-1.amazonaws.com/index.html',
    'https://ec2.eu-west-1.amazonaws.com/bucket/key',
    'https://s3.amazonaws.com.evil.example/bucket/key',
    'https://s3.amazonaws.com/',
    'https://bucket.s3.amazonaws.com/bad%E0%A4%A',
    's3://',
    's3:///key',
    'file:///etc/app.json',
    '/etc/app.json',
    'app.json',
    'ftp://s3.amazonaws.com/bucket/key',
    'not a url',
  ])('returns null for %s', (url) => {
    expect(parseS3Url(url)).toBeNull();
  });
});

describe('formatS3Url', () => {
  it('writes the s3:// form', () => {
    expect(formatS3Url({ bucket: 'b', key: 'dir/k' })).toBe('s3://b/dir/k');
  });
});
