import { pino } from 'pino';
import { type ProxyOptions, proxyDefaults, type RunningProxy, startProxy } from '../../src/index.js';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface TestProxy extends RunningProxy {
  readonly url: string;
  readonly adminUrl: string;
  /** Every log line at `warn` and above (or the level asked for), parsed. */
  readonly logs: LogLine[];
}

/** Starts the proxy in this process on free loopback ports, logging into `logs` instead of stdout. */
export async function startTestProxy(options: Partial<ProxyOptions> & { logLevel?: string } = {}): Promise<TestProxy> {
  const logs: LogLine[] = [];
  const { logLevel, ...rest } = options;
  const logger = pino(
    { level: logLevel ?? 'warn' },
    { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) },
  );
  const proxy = await startProxy({
    listen: '127.0.0.1:0',
    admin: '127.0.0.1:0',
    name: 'app',
    drainTimeoutMs: 5000,
    backendTimeoutMs: proxyDefaults.backendTimeoutMs,
    healthCheckPath: proxyDefaults.healthCheckPath,
    logger,
    ...rest,
  });
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${proxy.port}`,
    adminUrl: `http://127.0.0.1:${proxy.adminPort}`,
    logs,
  });
}
