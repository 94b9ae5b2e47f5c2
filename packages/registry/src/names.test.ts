import { describe, expect, it } from 'vitest';
import { parseDigest } from './digest.js';
import { isValidRepositoryName, isValidTag } from './names.js';
import { parseRange } from './routes/blobs.js';

describe('repository names, tags and digests', () => {
  it('accepts the spec grammar and nothing that could leave the storage root', () => {
    for (const name of ['a', 'library/ubuntu', 'my-org/my_app.v2', 'a/b/c', 'x__y', 'a--b']) {
      expect(isValidRepositoryName(name), name).toBe(true);
    }
    for (const name of [
      '',
      'A',
      'a/../b',
      '..',
      'a/./b',
      '/a',
      'a/',
      'a//b',
      '_a',
      'a-',
      'a/_layers',
      'a'.repeat(256),
    ]) {
      expect(isValidRepositoryName(name), name).toBe(false);
    }
  });

  it('accepts tags up to 128 characters that do not start with a dot or dash', () => {
    expect(isValidTag('v1.2.3_rc-1')).toBe(true);
    expect(isValidTag('a'.repeat(128))).toBe(true);
    for (const tag of ['', '.hidden', '-x', 'a'.repeat(129), 'a/b', 'a:b']) expect(isValidTag(tag), tag).toBe(false);
  });

  it('parses sha256 and sha512 digests and refuses malformed ones', () => {
    expect(parseDigest(`sha256:${'a'.repeat(64)}`).algorithm).toBe('sha256');
    expect(parseDigest(`sha512:${'b'.repeat(128)}`).hex).toHaveLength(128);
    for (const digest of ['sha256:abc', `sha256:${'A'.repeat(64)}`, 'nocolon', `sha512:${'a'.repeat(64)}`]) {
      expect(() => parseDigest(digest), digest).toThrow(expect.objectContaining({ code: 'DIGEST_INVALID' }));
    }
    expect(() => parseDigest(`md5:${'a'.repeat(32)}`)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED' }));
  });

  it('parses single byte ranges', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=50-500', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange(undefined, 100)).toBeUndefined();
  });
});
