import type { ServerResponse } from 'node:http';
import { sendJson } from '../context.js';
import { layout } from '../layout.js';
import type { Storage } from '../storage/storage.js';
import { linkHeader, paginate } from './tags.js';

/**
 * Every repository name, found by walking `repositories/`: a directory holding `_layers` or `_manifests` is a
 * repository (name components never start with `_`), others are namespaces to descend into.
 */
export async function listRepositories(storage: Storage): Promise<string[]> {
  const found: string[] = [];
  const walk = async (name: string): Promise<void> => {
    const children = await storage.listChildren(name === '' ? layout.repositories : layout.repository(name));
    if (children.some((child) => child.startsWith('_'))) found.push(name);
    for (const child of children) {
      if (!child.startsWith('_')) await walk(name === '' ? child : `${name}/${child}`);
    }
  };
  await walk('');
  return found.sort();
}

/** GET `/v2/_catalog`, paginated like the tags list. */
export async function getCatalog(storage: Storage, url: URL, response: ServerResponse): Promise<void> {
  const page = paginate(await listRepositories(storage), url);
  sendJson(response, 200, { repositories: page.items }, linkHeader('/v2/_catalog', page));
}
