import type { IncomingMessage } from 'node:http';
import { describe, expect, test } from 'vitest';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';

function fakeRequest(rawHeaders: string[], remoteAddress = '::ffff:192.0.2.10'): IncomingMessage {
  return { rawHeaders, socket: { remoteAddress } } as unknown as IncomingMessage;
}

function asMap(flat: string[]): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    map.set(name, [...(map.get(name) ?? []), flat[i + 1]!]);
  }
  return map;
}

describe('upstreamRequestHeaders', () => {
  test('adds X-Forwarded-For/Proto/Host and an X-Request-Id, keeping the other headers in order and case', () => {
    const { headers, requestId, hasBody } = upstreamRequestHeaders(
      fakeRequest(['Host', 'shop.test', 'Accept', 'text/html', 'X-Custom', 'A']),
      false,
    );
    expect(headers.slice(0, 6)).toEqual(['Host', 'shop.test', 'Accept', 'text/html', 'X-Custom', 'A']);
    const map = asMap(headers);
    expect(map.get('x-forwarded-for')).toEqual(['192.0.2.10']);
    expect(map.get('x-forwarded-proto')).toEqual(['http']);
    expect(map.get('x-forwarded-host')).toEqual(['shop.test']);
    expect(map.get('x-request-id')).toEqual([requestId]);
    expect(hasBody).toBe(false);
  });

  test('appends to every X-Forwarded-For the client sent, as one field', () => {
    const req = fakeRequest(['X-Forwarded-For', '203.0.113.1', 'x-forwarded-for', '10.0.0.1, 10.0.0.2'], '127.0.0.1');
    expect(asMap(upstreamRequestHeaders(req, false).headers).get('x-forwarded-for')).toEqual([
      '203.0.113.1, 10.0.0.1, 10.0.0.2, 127.0.0.1',
    ]);
  });

  test("keeps a load balancer's X-Forwarded-Proto and -Host, and says https behind TLS", () => {
    const behindElb = asMap(
      upstreamRequestHeaders(
        fakeRequest(['Host', 'in', 'X-Forwarded-Proto', 'https', 'X-Forwarded-Host', 'out']),
        false,
      ).headers,
    );
    expect(behindElb.get('x-forwarded-proto')).toEqual(['https']);
    expect(behindElb.get('x-forwarded-host')).toEqual(['out']);
    expect(asMap(upstreamRequestHeaders(fakeRequest(['Host', 'in']), true).headers).get('x-forwarded-proto')).toEqual([
      'https',
    ]);
  });

  test('keeps an X-Request-Id the client sent', () => {
    const { headers, requestId } = upstreamRequestHeaders(fakeRequest(['X-Request-Id', 'abc']), false);
    expect(requestId).toBe('abc');
    expect(asMap(headers).get('x-request-id')).toEqual(['abc']);
  });

  test('drops hop-by-hop headers and the ones Connection declares', () => {
    const req = fakeRequest([
      'Connection',
      'keep-alive, X-Hop, x-other-hop',
      'Keep-Alive',
      'timeout=5',
      'Proxy-Connection',
      'keep-alive',
      'Proxy-Authorization',
      'Basic x',
      'TE',
      'trailers',
      'Trailer',
      'X-Sum',
      'Upgrade',
      'h2c',
      'Expect',
      '100-continue',
      'X-Hop',
      '1',
      'X-Other-Hop',
      '2',
      'X-Kept',
      '3',
    ]);
    const map = asMap(upstreamRequestHeaders(req, false).headers);
    for (const name of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'proxy-authorization',
      'te',
      'trailer',
      'upgrade',
      'expect',
      'x-hop',
      'x-other-hop',
    ]) {
      expect(map.has(name), name).toBe(false);
    }
    expect(map.get('x-kept')).toEqual(['3']);
  });

  test('says whether there is a body', () => {
    expect(upstreamRequestHeaders(fakeRequest(['Content-Length', '0']), false).hasBody).toBe(false);
    expect(upstreamRequestHeaders(fakeRequest(['Content-Length', '12']), false).hasBody).toBe(true);
    const chunked = upstreamRequestHeaders(fakeRequest(['Transfer-Encoding', 'chunked']), false);
    expect(chunked.hasBody).toBe(true);
    expect(asMap(chunked.headers).has('transfer-encoding')).toBe(false);
  });
});

describe('downstreamResponseHeaders', () => {
  test('drops hop-by-hop and Connection-declared headers and adds the request id', () => {
    const raw = [
      'Content-Type',
      'text/plain',
      'Connection',
      'X-Secret',
      'X-Secret',
      's',
      'Keep-Alive',
      'timeout=5',
      'Transfer-Encoding',
      'chunked',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
    ];
    const headers = downstreamResponseHeaders(raw, 'rid');
    expect(headers).toEqual([
      'Content-Type',
      'text/plain',
      'Set-Cookie',
      'a=1',
      'Set-Cookie',
      'b=2',
      'X-Request-Id',
      'rid',
    ]);
  });

  test("keeps the backend's own X-Request-Id", () => {
    expect(downstreamResponseHeaders(['x-request-id', 'backend-id'], 'rid')).toEqual(['x-request-id', 'backend-id']);
  });
});
