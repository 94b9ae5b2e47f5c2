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
  'log-level': LogLevel;
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
        .option('registry-listen', { type: 'string', default: '127.0.0.1:5000', describe: 'registry HOST:PORT' }),
    ) as unknown as Argv<LauncherCommandArgs>,
  handler: async (args) => {
    const { parseConfig } = await import('@wunderproxy/config');
    const { createLauncherApi } = await import('@wunderproxy/launcher');
    const { listenOn, parseListenAddress } = await import('@wunderproxy/proxy');
    const { startRegistry } = await import('@wunderproxy/registry');
    const { fetchConfigText, readUserdataConfigUrl } = await import('@wunderproxy/s3');
    const log = createLogger(args['log-level'], 'launcher');
    const launcher = await createLauncher(args, (line) => log.info(line.trimEnd())).catch(failWith);
    try {
      const address = parseListenAddress(args.listen, '--listen', '127.0.0.1');
      const configUrl = args.userdata ? await readUserdataConfigUrl() : args.config;
      let app = args.name;
      let bucket: string | undefined;
      const s3 = args['s3-endpoint'] ? { endpoint: args['s3-endpoint'] } : undefined;
      if (configUrl !== undefined) {
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
        server.close();
        server.closeIdleConnections();
        await registry?.close(launcherDefaults.maxDrainWaitMs);
        await launcher.close();
      });
    } catch (error) {
      await launcher.close();
      failWith(error);
    }
  },
};
