import { createServer } from 'node:http';
import { join } from 'node:path';
import { launcherDefaults } from '@wunderproxy/launcher/defaults';
import type { RunningRegistry } from '@wunderproxy/registry';
import type { Argv, CommandModule } from 'yargs';
import { failWith } from '../exit-codes.js';
import { createLauncher, type LauncherArgs, withLauncherOptions } from '../launcher-options.js';
import { createLogger, type LogLevel } from '../logger.js';
import { exitOnSignals } from '../shutdown.js';

interface LauncherCommandArgs extends LauncherArgs {
  config?: string;
  listen: string;
  userdata?: boolean;
  'deploy-on-start'?: boolean;
  token?: string;
  name: string;
  registry?: string;
  'registry-listen': string;
  'drain-timeout': number;
  'log-level': LogLevel;
}

/** Resolves true once `done()` holds, false when `timeoutMs` passed first. */
async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

export const launcherCommand: CommandModule<object, LauncherCommandArgs> = {
  command: 'launcher [config]',
  describe: 'Run the launcher API: POST /api/deploys re-fetches the config and deploys; history; rollback',
  builder: (yargs: Argv) =>
    withLauncherOptions(
      yargs
        .positional('config', { type: 'string', describe: 'config URL that POST /api/deploys re-fetches' })
        .option('listen', {
          type: 'string',
          default: launcherDefaults.listen,
          describe: 'API HOST:PORT (loopback by default)',
        })
        .option('userdata', { type: 'boolean', describe: 'take the config URL from EC2 userdata' })
        .option('deploy-on-start', { type: 'boolean', describe: 'deploy once at start (EC2 boot)' })
        .option('token', { type: 'string', describe: 'bearer token required on /api/*' })
        .option('name', { type: 'string', default: 'app', describe: 'app name when no config is given' })
        .option('registry', {
          type: 'string',
          describe: 'also run the registry on this storage (file:///dir or s3://bucket/prefix)',
        })
        .option('registry-listen', { type: 'string', default: '127.0.0.1:5000', describe: 'registry HOST:PORT' })
        .option('drain-timeout', {
          type: 'number',
          default: launcherDefaults.maxDrainWaitMs / 1000,
          describe: 'seconds a running deploy and in-flight requests get on SIGTERM',
        }),
    ) as unknown as Argv<LauncherCommandArgs>,
  handler: async (args) => {
    const { parseConfig } = await import('@wunderproxy/config');
    const { createLauncherApi } = await import('@wunderproxy/launcher');
    const { listenOn, parseListenAddress } = await import('@wunderproxy/proxy');
    const log = createLogger(args['log-level'], 'launcher');
    const launcher = await createLauncher(args, (line) => log.info(line.trimEnd())).catch(failWith);
    try {
      const address = parseListenAddress(args.listen, '--listen', '127.0.0.1');
      // The S3 and registry packages (and the AWS SDK behind them) load only when this launcher uses them.
      const configUrl = args.userdata ? await (await import('@wunderproxy/s3')).readUserdataConfigUrl() : args.config;
      let app = args.name;
      let bucket: string | undefined;
      const s3 = args['s3-endpoint'] ? { endpoint: args['s3-endpoint'] } : undefined;
      if (configUrl !== undefined) {
        const { fetchConfigText } = await import('@wunderproxy/s3');
        const fetched = await fetchConfigText(configUrl, { s3 });
        const config = parseConfig(fetched.text, fetched.source);
        app = config.name;
        bucket = config.registry.bucket;
      }
      // The app's own registry on this server: local blobs, and what they lack from the app's bucket.
      let registry: RunningRegistry | undefined;
      if (args.registry !== undefined || bucket !== undefined) {
        const storage = args.registry ?? join(args['state-dir'], 'registry');
        // `--registry s3://…` already stores in a bucket: pull-through only goes behind a directory.
        const pullThrough = storage.startsWith('s3://') ? undefined : bucket;
        const { startRegistry } = await import('@wunderproxy/registry');
        registry = await startRegistry({
          listen: args['registry-listen'],
          storage,
          pullThrough,
          s3,
          logger: log,
        });
        log.info({ registry: registry.url, storage, pullThrough: pullThrough ?? null }, 'registry listening');
      }
      const api = createLauncherApi({ launcher, configUrl, app: () => app, token: args.token, log });
      const server = createServer(api);
      const port = await listenOn(server, address, '--listen');
      log.info({ listen: `${address.host}:${port}`, config: configUrl ?? null, app }, 'launcher listening');
      if (args['deploy-on-start'] && configUrl !== undefined) {
        launcher.deploy({ configUrl, trigger: args.userdata ? 'userdata' : 'launcher start' }).catch((error: Error) => {
          log.error({ err: error.message }, 'deploy at start failed');
        });
      }
      exitOnSignals(log, async () => {
        // Drain: stop accepting, let a running deploy (and in-flight requests) finish up to --drain-timeout.
        const deadline = Date.now() + args['drain-timeout'] * 1000;
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // Keep-alive connections become idle as their last request ends; close each as soon as it does.
        server.closeIdleConnections();
        const sweeper = setInterval(() => server.closeIdleConnections(), 50);
        if (launcher.busy) {
          log.info({ deploy: launcher.active?.id ?? null }, 'waiting for the running deploy to finish');
          if (!(await waitUntil(() => !launcher.busy, deadline - Date.now())))
            log.warn(
              { deploy: launcher.active?.id ?? null, drainTimeout: args['drain-timeout'] },
              'gave up waiting for the running deploy (--drain-timeout); its lock is taken over by the next deploy',
            );
        }
        const timer = setTimeout(
          () => {
            log.warn('gave up waiting for in-flight requests (--drain-timeout)');
            server.closeAllConnections();
          },
          Math.max(0, deadline - Date.now()),
        );
        await closed;
        clearInterval(sweeper);
        clearTimeout(timer);
        await registry?.close(Math.max(0, deadline - Date.now()));
        await launcher.close();
      });
    } catch (error) {
      await launcher.close();
      failWith(error);
    }
  },
};
