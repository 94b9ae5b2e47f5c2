import type { Argv, CommandModule } from 'yargs';
import { type LauncherArgs, runWithLauncher, withLauncherOptions } from '../launcher-options.js';

interface RollbackArgs extends LauncherArgs {
  id?: string;
  name: string;
}

export const rollbackCommand: CommandModule<object, RollbackArgs> = {
  command: 'rollback [id]',
  describe: 'Put the previous deploy (or deploy ID) back: its kept container, or a new one from its stored config',
  builder: (yargs: Argv) =>
    withLauncherOptions(
      yargs
        .positional('id', {
          type: 'string',
          describe: 'a deploy id from `wunderproxy status`; default: the one before the current',
        })
        .option('name', { type: 'string', default: 'app', describe: 'app name' }),
    ) as unknown as Argv<RollbackArgs>,
  handler: async (args) => {
    const { cliTrigger } = await import('@wunderproxy/launcher');
    const { reportDeploySuccess } = await import('../deploy-output.js');
    await runWithLauncher(args, async (launcher) => {
      const record = await launcher.rollback({
        app: args.name,
        targetId: args.id,
        trigger: `rollback (${cliTrigger()})`,
      });
      reportDeploySuccess(record, `rolled back to ${record.rollbackOf} as`, args['log-format']);
    });
  },
};
