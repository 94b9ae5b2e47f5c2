import type { Argv, CommandModule } from 'yargs';
import { type LauncherArgs, runWithLauncher, withLauncherOptions } from '../launcher-options.js';

interface LaunchArgs extends LauncherArgs {
  config?: string;
  userdata?: boolean;
}

export const launchCommand: CommandModule<object, LaunchArgs> = {
  command: 'launch [config]',
  describe: 'Deploy: fetch the config, start the container, wait until healthy, switch the proxies, retire the old one',
  builder: (yargs: Argv) =>
    withLauncherOptions(
      yargs
        .positional('config', {
          type: 'string',
          describe: 'path, file://, https://, s3://bucket/key or an S3 https URL',
        })
        .option('userdata', {
          type: 'boolean',
          describe: 'take the config URL from EC2 userdata (WUNDERPROXY_CONFIG=URL)',
        })
        .check((args) => {
          if (!args.config === !args.userdata) throw new Error('give either CONFIG or --userdata');
          return true;
        }),
    ) as unknown as Argv<LaunchArgs>,
  handler: async (args) => {
    const { cliTrigger } = await import('@wunderproxy/launcher');
    const { readUserdataConfigUrl } = await import('@wunderproxy/s3');
    const { reportDeploySuccess } = await import('../deploy-output.js');
    await runWithLauncher(args, async (launcher) => {
      const configUrl = args.userdata ? await readUserdataConfigUrl() : args.config!;
      if (args.userdata) {
        const message = `config URL from userdata: ${configUrl}`;
        process.stdout.write(
          args['log-format'] === 'json'
            ? `${JSON.stringify({ time: new Date().toISOString(), step: 'userdata', message, ok: true })}\n`
            : `${message}\n`,
        );
      }
      const record = await launcher.deploy({ configUrl, trigger: args.userdata ? 'userdata' : cliTrigger() });
      reportDeploySuccess(record, 'deployed', args['log-format']);
    });
  },
};
