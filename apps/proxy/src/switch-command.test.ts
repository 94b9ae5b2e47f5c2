import { describe, expect, test } from 'vitest';
import { checkBackendUrl, InvalidSwitchError, parseSwitchCommand, parseSwitchText } from './switch-command.js';

describe('checkBackendUrl', () => {
  test('keeps only the origin of an http(s) URL', () => {
    expect(checkBackendUrl('http://127.0.0.1:32768')).toBe('http://127.0.0.1:32768');
    expect(checkBackendUrl('http://127.0.0.1:32768/')).toBe('http://127.0.0.1:32768');
    expect(checkBackendUrl('HTTPS://Example.test:443')).toBe('https://example.test');
    expect(checkBackendUrl('http://[::1]:8080')).toBe('http://[::1]:8080');
  });

  test.each([
    ['javascript:alert(1)', /protocol "javascript"/],
    ['ftp://127.0.0.1:21', /protocol "ftp"/],
    ['file:///etc/passwd', /protocol "file"/],
    ['http://user:pw@127.0.0.1:1', /credentials/],
    ['http://127.0.0.1:1/app', /no path/],
    ['http://127.0.0.1:1?x=1', /no path/],
    ['http://127.0.0.1:1#top', /no path/],
    ['127.0.0.1:8080', /./],
    ['not a url', /expected an http\(s\) URL/],
  ])('refuses %s naming the url field', (raw, reason) => {
    expect(() => checkBackendUrl(raw)).toThrow(InvalidSwitchError);
    expect(() => checkBackendUrl(raw)).toThrow(/^url: /);
    expect(() => checkBackendUrl(raw)).toThrow(reason);
  });
});

describe('parseSwitchCommand', () => {
  test('accepts a url switch and a maintenance switch', () => {
    expect(parseSwitchCommand({ id: 'a', url: 'http://h:1/' }, { requireId: true })).toEqual({
      id: 'a',
      url: 'http://h:1',
    });
    expect(parseSwitchCommand({ id: 'm', maintenance: true }, { requireId: true })).toEqual({
      id: 'm',
      maintenance: true,
    });
    expect(parseSwitchCommand({ id: 'f', url: 'http://h:1', maintenance: false }, { requireId: true })).toEqual({
      id: 'f',
      url: 'http://h:1',
    });
  });

  test('generates an id when none is required (admin API) and refuses a missing one when required (Redis)', () => {
    const command = parseSwitchCommand({ url: 'http://h:1' }, { requireId: false });
    expect(command.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(() => parseSwitchCommand({ url: 'http://h:1' }, { requireId: true })).toThrow(/^id: required/);
  });

  test.each([
    [null, 'body'],
    [[], 'body'],
    ['http://h:1', 'body'],
    [{ url: 5 }, 'url'],
    [{ url: '' }, 'url'],
    [{ maintenance: 'true' }, 'maintenance'],
    [{ id: 5, url: 'http://h:1' }, 'id'],
    [{ id: 'x'.repeat(201), url: 'http://h:1' }, 'id'],
    [{ url: 'http://h:1', extra: 1 }, 'extra'],
    [{}, 'url'],
    [{ maintenance: false }, 'url'],
    [{ maintenance: true, url: 'http://h:1' }, 'url'],
  ])('refuses %j naming %s', (input, field) => {
    expect(() => parseSwitchCommand(input, { requireId: false })).toThrow(new RegExp(`^${field}: `));
  });

  test('carries a usable id on the refusal so it can be acked, and none otherwise', () => {
    const refusal = (input: unknown) => {
      try {
        parseSwitchCommand(input, { requireId: true });
      } catch (error) {
        return (error as InvalidSwitchError).id;
      }
      throw new Error('accepted');
    };
    expect(refusal({ id: 's1', url: 'ftp://h' })).toBe('s1');
    expect(refusal({ id: 's2', url: 'http://h:1', extra: true })).toBe('s2');
    expect(refusal({ id: 7, url: 'ftp://h' })).toBeUndefined();
    expect(refusal([{ id: 's3' }])).toBeUndefined();
  });

  test('treats a JSON __proto__ key as an unknown field and never touches Object.prototype', () => {
    const input = JSON.parse('{"id": "p", "url": "http://h:1", "__proto__": {"polluted": true}}') as unknown;
    expect(() => parseSwitchCommand(input, { requireId: true })).toThrow(/^__proto__: unknown field/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseSwitchText', () => {
  test('refuses text over the limit before parsing it', () => {
    const text = JSON.stringify({ id: 'big', url: 'http://h:1', pad: 'x'.repeat(100) });
    expect(() => parseSwitchText(text, { requireId: true, maxBytes: 50 })).toThrow(/^body: larger than 50 bytes/);
  });

  test('refuses text that is not JSON', () => {
    expect(() => parseSwitchText('{"id":', { requireId: true, maxBytes: 1000 })).toThrow(/^body: not JSON/);
  });

  test('parses a well-formed message', () => {
    expect(parseSwitchText('{"id":"a","url":"http://h:1"}', { requireId: true, maxBytes: 1000 })).toEqual({
      id: 'a',
      url: 'http://h:1',
    });
  });
});
