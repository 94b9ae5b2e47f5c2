import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { launchCommand } from './commands/launch.js';
import { launcherCommand } from './commands/launcher.js';
import { proxyCommand } from './commands/proxy.js';
import { registryCommand } from './commands/registry.js';
import { rollbackCommand } from './commands/rollback.js';
import { statusCommand } from './commands/status.js';
import { switchCommand } from './commands/switch.js';
import { ExitCode } from './exit-codes.js';
import { logLevels } from './logger.js';

/** Builds the `wunderproxy` CLI; every flag also reads from WUNDERPROXY_<FLAG> (e.g. WUNDERPROXY_REDIS). */
export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('wunderproxy')
    .env('WUNDERPROXY')
    .option('log-level', { choices: logLevels, default: 'info' as const, describe: 'pino log level' })
    .command(proxyCommand)
    .command(switchCommand)
    .command(launchCommand)
    .command(launcherCommand)
    .command(rollbackCommand)
    .command(statusCommand)
    .command(registryCommand)
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`wunderproxy: ${message} (see --help)\n`);
      process.exit(ExitCode.badInput);
    });
}

export async function runCli(argv: string[] = hideBin(process.argv)): Promise<void> {
  await buildCli(argv).parseAsync();
}
