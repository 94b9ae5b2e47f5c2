import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry } from '../src/index.js';
import { sha256 } from './oci-client.js';
import { uniqueRepository } from './registry-fixture.js';

describe('upload sessions on the directory driver', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wpreg-sessions-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('survive a restart: the upload continues and its digest is verified from the staged bytes', async () => {
    const repository = uniqueRepository('restart');
    const first = await startRegistry({ storage: root, listen: '127.0.0.1:0' });
    const started = await fetch(`${first.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = started.headers.get('location')!;
    await fetch(`${first.url}${location}`, { method: 'PATCH', headers: { 'Content-Range': '0-5' }, body: 'before' });
    await first.close(1000);

    const second = await startRegistry({ storage: root, listen: '127.0.0.1:0' });
    try {
      const status = await fetch(`${second.url}${location}`);
      expect(status.status).toBe(204);
      expect(status.headers.get('range')).toBe('0-5');
      const wrong = await fetch(`${second.url}${location}?digest=${sha256('something else')}`, {
        method: 'PUT',
        headers: { 'Content-Range': '6-11' },
        body: ':after',
      });
      expect(wrong.status).toBe(400);
      // A failed digest drops the session: nothing half-verified lingers.
      expect((await fetch(`${second.url}${location}`)).status).toBe(404);
    } finally {
      await second.close(1000);
    }
  });

  it('belong to their repository: another repository cannot see or finish them', async () => {
    const registry = await startRegistry({ storage: root, listen: '127.0.0.1:0' });
    try {
      const owner = uniqueRepository('owner');
      const started = await fetch(`${registry.url}/v2/${owner}/blobs/uploads/`, { method: 'POST' });
      const uuid = started.headers.get('docker-upload-uuid')!;
      const stranger = await fetch(`${registry.url}/v2/${uniqueRepository('stranger')}/blobs/uploads/${uuid}`);
      expect(stranger.status).toBe(404);
      const traversal = await fetch(`${registry.url}/v2/${owner}/blobs/uploads/..%2F..%2Fetc`);
      expect(traversal.status).toBe(404);
    } finally {
      await registry.close(1000);
    }
  });

  it('finish a restarted upload whose digest matches', async () => {
    const repository = uniqueRepository('resumed');
    const first = await startRegistry({ storage: root, listen: '127.0.0.1:0' });
    const started = await fetch(`${first.url}/v2/${repository}/blobs/uploads/`, { method: 'POST' });
    const location = started.headers.get('location')!;
    await fetch(`${first.url}${location}`, { method: 'PATCH', body: 'resumed ' });
    await first.close(1000);
    const second = await startRegistry({ storage: root, listen: '127.0.0.1:0' });
    try {
      const digest = sha256('resumed upload');
      const finished = await fetch(`${second.url}${location}?digest=${digest}`, { method: 'PUT', body: 'upload' });
      expect(finished.status).toBe(201);
      expect(await (await fetch(`${second.url}/v2/${repository}/blobs/${digest}`)).text()).toBe('resumed upload');
    } finally {
      await second.close(1000);
    }
  });
});
