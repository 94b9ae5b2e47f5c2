import { createServer } from 'node:net';
import { expect, test } from 'vitest';
import { ListenError, listenOn, parseListenAddress } from './listen-address.js';

test('parses HOST:PORT, :PORT, PORT and [IPv6]:PORT', () => {
  expect(parseListenAddress('127.0.0.1:8080', '--listen')).toEqual({ host: '127.0.0.1', port: 8080 });
  expect(parseListenAddress(':8080', '--listen')).toEqual({ host: '0.0.0.0', port: 8080 });
  expect(parseListenAddress('8080', '--admin', '127.0.0.1')).toEqual({ host: '127.0.0.1', port: 8080 });
  expect(parseListenAddress('[::1]:9000', '--listen')).toEqual({ host: '::1', port: 9000 });
  expect(parseListenAddress('localhost:0', '--listen')).toEqual({ host: 'localhost', port: 0 });
});

test.each(['', 'nowhere', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:-1', '1.2.3.4:80:90', 'http://x:80'])(
  'refuses %j naming the flag',
  (value) => {
    expect(() => parseListenAddress(value, '--listen')).toThrow(ListenError);
    expect(() => parseListenAddress(value, '--listen')).toThrow(/^--listen: expected HOST:PORT/);
  },
);

test('turns a busy port into a ListenError naming the flag and address', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const { port } = busy.address() as { port: number };
  const second = createServer();
  await expect(listenOn(second, { host: '127.0.0.1', port }, '--admin')).rejects.toThrow(
    `--admin 127.0.0.1:${port}: address already in use`,
  );
  busy.close();
});
