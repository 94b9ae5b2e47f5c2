import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import { RegistryConfigError } from './errors.js';

/** bcrypt costs ~100 ms a check and docker sends a dozen requests per push: remember good credentials a while. */
const verifiedTtlMs = 5 * 60_000;

/**
 * Basic auth against an htpasswd file of bcrypt hashes (`htpasswd -B`). Pushes (anything but GET/HEAD) always need it;
 * pulls need it only from outside loopback, so the launcher pulls from 127.0.0.1 with no credentials.
 */
export class HtpasswdAuth {
  private readonly verified = new Map<string, number>();

  private constructor(private readonly hashes: Map<string, string>) {}

  static async load(path: string): Promise<HtpasswdAuth> {
    const hashes = new Map<string, string>();
    for (const line of (await readFile(path, 'utf8')).split('\n')) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const colon = trimmed.indexOf(':');
      const hash = trimmed.slice(colon + 1);
      if (colon <= 0 || !/^\$2[abxy]\$/.test(hash)) {
        throw new RegistryConfigError(`${path}: only bcrypt entries (user:$2y$…) are supported`);
      }
      // bcryptjs knows $2a$/$2b$; Apache's $2y$ is the same algorithm under another name.
      hashes.set(trimmed.slice(0, colon), hash.replace(/^\$2y\$/, '$2b$'));
    }
    return new HtpasswdAuth(hashes);
  }

  /** true when the request may go on: a pull from loopback, or valid Basic credentials. */
  async allows(request: IncomingMessage): Promise<boolean> {
    const isPull = request.method === 'GET' || request.method === 'HEAD';
    if (isPull && isLoopback(request.socket.remoteAddress)) return true;
    return await this.hasValidCredentials(request.headers.authorization);
  }

  /** true when header carries Basic credentials that match an entry. */
  async hasValidCredentials(header: string | undefined): Promise<boolean> {
    if (!header?.startsWith('Basic ')) return false;
    const key = createHash('sha256').update(header).digest('hex');
    const until = this.verified.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const hash = this.hashes.get(decoded.slice(0, colon));
    if (hash === undefined) return false;
    if (!(await bcrypt.compare(decoded.slice(colon + 1), hash))) return false;
    this.verified.set(key, Date.now() + verifiedTtlMs);
    return true;
  }
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
