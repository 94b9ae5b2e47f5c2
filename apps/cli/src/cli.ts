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

/** A flag's value is unusable: reported like yargs' own validation errors (one line, exit 2). */
class FlagError extends Error {
  override readonly name = 'FlagError';
}

/** Flags that take seconds or counts: yargs turns `30s` into NaN, and setTimeout(NaN) fires at once. */
const numericFlags = [
  'drain-timeout',
  'backend-timeout',
  'timeout',
  'ack-timeout',
  'retain',
  'workers',
  'upload-max-age',
  'limit',
];

function checkNumbers(argv: Record<string, unknown>): true {
  for (const flag of numericFlags) {
    const value = argv[flag];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value < 0)) {
      throw new FlagError(`--${flag}: expected a plain number ≥ 0 such as 30 (seconds or a count, no unit)`);
    }
  }
  return true;
}

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
    .check(checkNumbers, true)
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .help()
    .alias('help', 'h')
    .version(false)
    .wrap(Math.min(120, process.stdout.columns || 120))
    .fail((message, error) => {
      // yargs hands over both its own validation failures and errors thrown by a command; only the latter are bugs.
      if (error && error.name !== 'FlagError' && error.name !== 'YError') throw error;
      process.stderr.write(`wunderproxy: ${message} (see --help)\n`);
      process.exit(ExitCode.badInput);
    });
}

export async function runCli(argv: string[] = hideBin(process.argv)): Promise<void> {
  await buildCli(argv).parseAsync();
}
