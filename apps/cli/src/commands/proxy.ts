import { proxyDefaults } from '@wunderproxy/proxy/defaults';
import type { Argv, CommandModule } from 'yargs';
import { adminListenOf } from '../admin-address.js';
import { failWith } from '../exit-codes.js';
import { createLogger, type LogLevel } from '../logger.js';
import { exitOnSignals } from '../shutdown.js';

interface ProxyArgs {
  listen: string;
  /** false with `--no-admin`: no admin API at all. */
  admin: string | false;
  backend?: string;
  redis?: string;
  name: string;
  'admin-token'?: string;
  'drain-timeout': number;
  'backend-timeout': number;
  'health-check-path': string;
  'maintenance-page'?: string;
  'log-level': LogLevel;
  workers: number;
}

export const proxyCommand: CommandModule<object, ProxyArgs> = {
  command: 'proxy',
  describe: 'Run the proxy: forward all HTTP traffic to one backend, switched by the admin API or Redis',
  builder: (yargs: Argv) =>
    yargs
      .option('listen', { type: 'string', default: proxyDefaults.listen, describe: 'public listener HOST:PORT' })
      .option('admin', {
        type: 'string',
        default: proxyDefaults.admin,
        describe: 'admin API HOST:PORT (loopback by default)',
      })
      .option('backend', { type: 'string', describe: 'initial backend URL or "maintenance" (the Redis state wins)' })
      .option('redis', { type: 'string', describe: 'Redis URL for the switch channel and state key' })
      .option('name', {
        type: 'string',
        default: proxyDefaults.name,
        describe: 'app name (Redis key prefix wunderproxy:NAME:)',
      })
      .option('admin-token', { type: 'string', describe: 'bearer token required on /api/*' })
      .option('drain-timeout', {
        type: 'number',
        default: proxyDefaults.drainTimeoutMs / 1000,
        describe: 'seconds in-flight requests get after a switch or SIGTERM',
      })
      .option('backend-timeout', {
        type: 'number',
        default: proxyDefaults.backendTimeoutMs / 1000,
        describe: 'seconds without a byte from the backend before 504',
      })
      .option('health-check-path', {
        type: 'string',
        default: proxyDefaults.healthCheckPath,
        describe: 'answered 200 in maintenance mode',
      })
      .option('maintenance-page', {
        type: 'string',
        describe: 'HTML file served (503) in maintenance mode',
      })
      .option('workers', {
        type: 'number',
        default: 1,
        describe: 'cluster workers serving the public listener (1 = a single process; see apps/proxy/BENCHMARK.md)',
      }) as unknown as Argv<ProxyArgs>,
  handler: async (args) => {
    // Loaded here, not at the top: every command starts faster when it loads only what it runs.
    const { missingNodeFlags, startProxy } = await import('@wunderproxy/proxy');
    const log = createLogger(args['log-level'], 'proxy');
    const missing = missingNodeFlags();
    if (missing.length > 0) {
      log.warn(
        { missing },
        `node was started without ${missing.join(' ')}: under load after an idle pause, garbage collection can take ` +
          'a third of the CPU; run the proxy through bin/wunderproxy, which passes it',
      );
    }
    try {
      const proxy = await startProxy({
        listen: args.listen,
        admin: args.admin === false ? null : adminListenOf(args.admin),
        backend: args.backend,
        redis: args.redis,
        name: args.name,
        adminToken: args['admin-token'],
        drainTimeoutMs: args['drain-timeout'] * 1000,
        backendTimeoutMs: args['backend-timeout'] * 1000,
        healthCheckPath: args['health-check-path'],
        maintenancePage: args['maintenance-page'],
        logger: log,
        workers: args.workers,
      });
      exitOnSignals(log, () => proxy.close());
    } catch (error) {
      failWith(error);
    }
  },
};
