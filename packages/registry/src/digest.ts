import { createHash } from 'node:crypto';
import { DigestInvalidError, RegistryError } from './errors.js';

export type DigestAlgorithm = 'sha256' | 'sha512';

export interface ParsedDigest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** `algorithm:hex`, the canonical form. */
  readonly digest: string;
}

const hexLengths: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
const digestPattern = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parses a digest; the grammar of the spec, restricted to the algorithms we can verify (sha256, sha512). */
export function parseDigest(value: string): ParsedDigest {
  const match = digestPattern.exec(value);
  if (!match) throw new DigestInvalidError('invalid digest', { digest: value });
  const algorithm = match[1] as string;
  const hex = match[2] as string;
  if (algorithm !== 'sha256' && algorithm !== 'sha512') {
    throw new RegistryError('UNSUPPORTED', `digest algorithm ${algorithm} is not supported`, { digest: value });
  }
  if (hex.length !== hexLengths[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new DigestInvalidError('invalid digest', { digest: value });
  }
  return { algorithm, hex, digest: value };
}

export function isDigest(value: string): boolean {
  return value.includes(':');
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}
