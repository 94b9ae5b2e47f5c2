import type { Launcher, LogFormat } from '@wunderproxy/launcher';
import { launcherDefaults } from '@wunderproxy/launcher/defaults';
import type { Argv } from 'yargs';
import { adminUrlOf } from './admin-address.js';
import { failWith } from './exit-codes.js';

/** Flags shared by every command that deploys or reads deploys (launch, launcher, rollback, status). */
export interface LauncherArgs {
  redis?: string;
  admin: string;
  'admin-token'?: string;
  'state-dir': string;
  's3-endpoint'?: string;
  'ack-timeout': number;
  retain: number;
  'log-format': LogFormat;
}

export function withLauncherOptions<T>(yargs: Argv<T>): Argv<T & LauncherArgs> {
  return yargs
    .option('redis', {
      type: 'string',
      describe: 'Redis URL: switch every proxy of the app, mirror the deploy history',
    })
    .option('admin', {
      type: 'string',
      default: launcherDefaults.proxyAdmin,
      describe: "the local proxy's admin API URL",
    })
    .option('admin-token', { type: 'string', describe: "bearer token of the proxy's admin API" })
    .option('state-dir', { type: 'string', default: launcherDefaults.stateDir, describe: 'deploy history and locks' })
    .option('s3-endpoint', { type: 'string', describe: 'S3-compatible endpoint (else AWS_ENDPOINT_URL_S3, else AWS)' })
    .option('ack-timeout', {
      type: 'number',
      default: launcherDefaults.ackTimeoutMs / 1000,
      describe: 'seconds to wait for proxy acks',
    })
    .option('retain', {
      type: 'number',
      default: launcherDefaults.retain,
      describe: 'old containers kept stopped for rollback',
    })
    .option('log-format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      describe: 'step lines as text or JSON lines',
    }) as unknown as Argv<T & LauncherArgs>;
}

export async function createLauncher(
  args: LauncherArgs,
  write: (line: string) => void = (line) => process.stdout.write(line),
): Promise<Launcher> {
  const { DockerClient, logProgress, ttyProgress } = await import('@wunderproxy/docker');
  const { Launcher } = await import('@wunderproxy/launcher');
  if (!Number.isInteger(args.retain) || args.retain < 0) {
    throw Object.assign(new Error(`--retain: expected a whole number ≥ 0, got ${args.retain}`), { code: 'BAD_INPUT' });
  }
  const tty = process.stdout.isTTY === true && args['log-format'] === 'text';
  return new Launcher({
    stateDir: args['state-dir'],
    proxy: {
      redisUrl: args.redis,
      adminUrl: adminUrlOf(args.admin),
      adminToken: args['admin-token'],
      ackTimeoutMs: args['ack-timeout'] * 1000,
    },
    docker: new DockerClient(),
    s3: args['s3-endpoint'] ? { endpoint: args['s3-endpoint'] } : undefined,
    retain: args.retain,
    format: args['log-format'],
    write,
    pullProgress: () => (tty ? ttyProgress(process.stdout) : logProgress((line) => write(`${line}\n`))),
  });
}

/**
 * Runs a one-shot command's work with a Launcher, then closes it and exits: 0, or on failure the container log a
 * failed deploy carries (if any) and the error's exit code. The launcher is closed before either exit.
 */
export async function runWithLauncher(
  args: LauncherArgs,
  work: (launcher: Launcher) => Promise<void>,
  write?: (line: string) => void,
): Promise<never> {
  const launcher = await createLauncher(args, write).catch(failWith);
  try {
    await work(launcher);
  } catch (error) {
    const { reportDeployFailure } = await import('./deploy-output.js');
    reportDeployFailure(error);
    await launcher.close();
    failWith(error);
  }
  await launcher.close();
  process.exit(0);
}
