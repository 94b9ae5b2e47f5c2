import { createServer } from 'node:http';
import type { Argv, CommandModule } from 'yargs';
import { failWith } from '../exit-codes.js';
import { createLogger, type LogLevel } from '../logger.js';
import { exitOnSignals } from '../shutdown.js';

interface RegistryArgs {
  listen: string;
  storage: string;
  'pull-through'?: string;
  htpasswd?: string;
  'upload-max-age': number;
  's3-endpoint'?: string;
  'drain-timeout': number;
  'log-level': LogLevel;
}

export const registryCommand: CommandModule<object, RegistryArgs> = {
  command: 'registry',
  describe: 'Run the Docker registry (Registry HTTP API v2 / OCI distribution) on a directory or S3',
  builder: (yargs: Argv) =>
    yargs
      .option('listen', { type: 'string', default: '127.0.0.1:5000', describe: 'HOST:PORT' })
      .option('storage', {
        type: 'string',
        default: 'file:///var/lib/wunderproxy/registry',
        describe: 'file:///dir or s3://bucket/prefix',
      })
      .option('pull-through', {
        type: 'string',
        describe: 's3://bucket/prefix read (and kept locally) when the directory lacks a blob',
      })
      .option('htpasswd', { type: 'string', describe: 'htpasswd file (bcrypt) required for pushes' })
      .option('upload-max-age', {
        type: 'number',
        default: 24 * 3600,
        describe: 'seconds after which abandoned uploads are purged',
      })
      .option('s3-endpoint', {
        type: 'string',
        describe: 'S3-compatible endpoint (else AWS_ENDPOINT_URL_S3, else AWS)',
      })
      .option('drain-timeout', {
        type: 'number',
        default: 30,
        describe: 'seconds running pushes/pulls get on SIGTERM',
      }) as unknown as Argv<RegistryArgs>,
  handler: async (args) => {
    const { listenOn, parseListenAddress } = await import('@wunderproxy/proxy');
    const { createRegistryHandler } = await import('@wunderproxy/registry');
    const log = createLogger(args['log-level'], 'registry');
    try {
      const address = parseListenAddress(args.listen, '--listen', '127.0.0.1');
      const handler = await createRegistryHandler({
        storage: args.storage,
        pullThrough: args['pull-through'],
        htpasswdFile: args.htpasswd,
        uploadMaxAgeMs: args['upload-max-age'] * 1000,
        logger: log,
        s3: args['s3-endpoint'] ? { endpoint: args['s3-endpoint'] } : undefined,
      });
      // No overall request timeout: pushing a multi-GiB layer over a slow link is a legitimately long request.
      const server = createServer({ requestTimeout: 0, keepAliveTimeout: 30_000 }, handler);
      const port = await listenOn(server, address, '--listen');
      log.info(
        { listen: `${address.host}:${port}`, storage: args.storage, pullThrough: args['pull-through'] ?? null },
        'registry listening',
      );
      exitOnSignals(log, async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), args['drain-timeout'] * 1000);
        await closed;
        clearTimeout(timer);
        await handler.close();
      });
    } catch (error) {
      failWith(error);
    }
  },
};
