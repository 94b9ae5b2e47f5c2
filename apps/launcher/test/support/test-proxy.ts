import { request } from 'node:http';
import { proxyDefaults, type RunningProxy, startProxy } from '@wunderproxy/proxy';
import { pino } from 'pino';

export interface TestProxy extends RunningProxy {
  readonly url: string;
  readonly adminUrl: string;
  /** GET / through the proxy: status and body (the sample app answers `sample-app VERSION`). */
  get(path?: string): Promise<{ status: number; body: string }>;
}

/** The real proxy in this process on free loopback ports, named like the app, switched through Redis (and admin). */
export async function startTestProxy(name: string, redisUrl: string | undefined): Promise<TestProxy> {
  const proxy = await startProxy({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    name,
    redis: redisUrl,
    drainTimeoutMs: 5_000,
    backendTimeoutMs: proxyDefaults.backendTimeoutMs,
    healthCheckPath: proxyDefaults.healthCheckPath,
    logger: pino({ level: 'silent' }),
  });
  const url = `http://127.0.0.1:${proxy.port}`;
  return Object.assign(proxy, {
    url,
    adminUrl: `http://127.0.0.1:${proxy.adminPort}`,
    get: (path = '/') => httpGet(`${url}${path}`),
  });
}

/** One GET on a fresh connection. */
export function httpGet(
  url: string,
  agent: import('node:http').Agent | false = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end();
  });
}
