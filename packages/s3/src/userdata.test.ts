import { describe, expect, it } from 'vitest';
import { configUrlFromUserdata } from './userdata.js';

describe('configUrlFromUserdata', () => {
  it.each([
    ['WUNDERPROXY_CONFIG=s3://bucket/app.json', 's3://bucket/app.json'],
    ['WUNDERPROXY_CONFIG=s3://bucket/app.json\n', 's3://bucket/app.json'],
    ['export WUNDERPROXY_CONFIG=s3://bucket/app.json', 's3://bucket/app.json'],
    ['  export   WUNDERPROXY_CONFIG="s3://bucket/app.json"', 's3://bucket/app.json'],
    ["WUNDERPROXY_CONFIG='https://example.com/app config.json'", 'https://example.com/app config.json'],
    ['WUNDERPROXY_CONFIG=s3://bucket/app.json # the config', 's3://bucket/app.json'],
    ['WUNDERPROXY_CONFIG=s3://bucket/app.json\r\nOTHER=1\r\n', 's3://bucket/app.json'],
    [
      '#!/bin/bash\nset -e\nexport AWS_REGION=eu-west-1\nexport WUNDERPROXY_CONFIG=https://de-dynport-docker.s3-eu-west-1.amazonaws.com/phrase.config\n/usr/local/bin/wunderproxy launch --userdata\n',
      'https://de-dynport-docker.s3-eu-west-1.amazonaws.com/phrase.config',
    ],
    [
      '#cloud-config\nwrite_files:\n  - path: /etc/wunderproxy.env\n    content: |\n      WUNDERPROXY_CONFIG=s3://bucket/yaml.json\n',
      's3://bucket/yaml.json',
    ],
    ['WUNDERPROXY_CONFIG=s3://b/first\nWUNDERPROXY_CONFIG=s3://b/second', 's3://b/second'],
    ['s3://bucket/app.json', 's3://bucket/app.json'],
    ['\n  https://example.com/app.json  \n', 'https://example.com/app.json'],
    ['file:///etc/wunderproxy/app.json', 'file:///etc/wunderproxy/app.json'],
  ])('finds the URL in %j', (userdata, url) => {
    expect(configUrlFromUserdata(userdata)).toBe(url);
  });

  it.each([
    '',
    '#!/bin/sh\necho hello\n',
    'WUNDERPROXY_CONFIG=',
    'WUNDERPROXY_CONFIG=""',
    '# WUNDERPROXY_CONFIG=s3://bucket/commented-out',
    'MY_WUNDERPROXY_CONFIG=s3://bucket/other-variable',
    's3://bucket/a.json\ns3://bucket/b.json',
    'just some words',
  ])('finds none in %j', (userdata) => {
    expect(configUrlFromUserdata(userdata)).toBeUndefined();
  });
});
