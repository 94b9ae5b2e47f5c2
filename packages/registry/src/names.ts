import { RegistryError } from './errors.js';

/** The distribution-spec's repository name grammar: lowercase path components, no `.`/`..` segments possible. */
const repositoryNamePattern = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const tagPattern = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** Docker refuses names longer than this; distribution answers NAME_INVALID above it. */
const maxRepositoryNameLength = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= maxRepositoryNameLength && repositoryNamePattern.test(name);
}

export function isValidTag(tag: string): boolean {
  return tagPattern.test(tag);
}

export function assertTag(tag: string): void {
  if (!isValidTag(tag)) throw new RegistryError('TAG_INVALID', 'invalid tag', { tag });
}
