import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry } from '../src/index.js';
import { buildTestImage, removeImages, run } from './commands.js';
import { errorCode, sha256 } from './oci-client.js';
import { startTestRegistry, type TestRegistry, uniqueRepository } from './registry-fixture.js';

describe('basic auth from an htpasswd file', () => {
  let registry: TestRegistry;
  let directory: string;
  const good = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
  const bad = `Basic ${Buffer.from('ci:wrong').toString('base64')}`;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'wpreg-auth-'));
    const htpasswd = join(directory, 'htpasswd');
    // `htpasswd -B` writes $2y$; the registry must accept that spelling.
    await writeFile(htpasswd, `# pushers\nci:${bcrypt.hashSync('s3cret', 4).replace(/^\$2b\$/, '$2y$')}\n`);
    registry = await startTestRegistry('directory', undefined, { htpasswdFile: htpasswd });
  });
  afterAll(async () => {
    await registry?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a push without or with wrong credentials, with a Basic challenge', async () => {
    const repository = uniqueRepository('auth');
    for (const headers of [{}, { Authorization: bad }] as Record<string, string>[]) {
      const response = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="wunderproxy-registry"');
      expect(await errorCode(response)).toBe('UNAUTHORIZED');
    }
  });

  it('accepts a push with valid credentials and lets loopback pull without any', async () => {
    const repository = uniqueRepository('auth');
    const bytes = 'pulled anonymously';
    const digest = sha256(bytes);
    const pushed = await fetch(`${registry.url}/v2/${repository}/blobs/uploads/?digest=${digest}`, {
      method: 'POST',
      headers: { Authorization: good },
      body: bytes,
    });
    expect(pushed.status).toBe(201);
    const pulled = await fetch(`${registry.url}/v2/${repository}/blobs/${digest}`);
    expect(await pulled.text()).toBe(bytes);
  });

  it('checks credentials sent to the version check, and lets anonymous loopback clients through', async () => {
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
    const refused = await fetch(`${registry.url}/v2/`, { headers: { Authorization: bad } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Basic realm="wunderproxy-registry"');
    expect((await fetch(`${registry.url}/v2/`, { headers: { Authorization: good } })).status).toBe(200);
  });

  it('lets docker pull from loopback without credentials', async () => {
    // Its own client config dir: never touch the shared ~/.docker/config.json.
    const anonymous = join(directory, 'docker-anonymous');
    const repository = uniqueRepository('anonymous');
    const image = `${registry.host}/${repository}:v1`;
    try {
      await buildTestImage(image, { message: 'pulled anonymously' });
      // Docker sends credentials only when /v2/ challenges, which loopback must not do (anonymous pulls would break),
      // so the image goes in through an auth-less registry on the same storage directory.
      const open = await startRegistry({ storage: registry.location, listen: '127.0.0.1:0' });
      const openImage = `127.0.0.1:${open.port}/${repository}:v1`;
      try {
        await run('docker', ['tag', image, openImage]);
        await run('docker', ['push', openImage]);
      } finally {
        await removeImages([openImage]);
        await open.close(1000);
      }
      await run('docker', ['rmi', image]);
      await run('docker', ['--config', anonymous, 'pull', image]);
      expect((await run('docker', ['run', '--rm', image])).trim()).toBe('pulled anonymously');
    } finally {
      await removeImages([image]);
    }
  });
});
