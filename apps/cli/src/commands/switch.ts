import { proxyDefaults } from '@wunderproxy/proxy/defaults';
import type { Argv, CommandModule } from 'yargs';
import { adminUrlOf } from '../admin-address.js';
import { ExitCode, failWith } from '../exit-codes.js';

interface SwitchArgs {
  target: string;
  name: string;
  redis?: string;
  admin: string;
  'admin-token'?: string;
  timeout: number;
  json?: boolean;
}

export const switchCommand: CommandModule<object, SwitchArgs> = {
  command: 'switch <target>',
  describe: 'Switch the proxies named --name to a backend URL, or to "maintenance"',
  builder: (yargs: Argv) =>
    yargs
      .positional('target', { type: 'string', demandOption: true, describe: 'http(s)://host:port or "maintenance"' })
      .option('name', { type: 'string', default: proxyDefaults.name, describe: 'app name' })
      .option('redis', { type: 'string', describe: 'switch every proxy of the name through this Redis' })
      .option('admin', {
        type: 'string',
        default: `http://${proxyDefaults.admin}`,
        describe: 'admin API URL, used without --redis',
      })
      .option('admin-token', { type: 'string', describe: 'bearer token of the admin API' })
      .option('timeout', {
        type: 'number',
        default: proxyDefaults.switchTimeoutMs / 1000,
        describe: 'seconds to wait for acks',
      })
      .option('json', { type: 'boolean', describe: 'print the result as JSON' }) as unknown as Argv<SwitchArgs>,
  handler: async (args) => {
    const { parseSwitchCommand } = await import('@wunderproxy/proxy/switch-command');
    const { newSwitchId, SwitchError, switchViaAdmin, switchViaRedis } = await import('@wunderproxy/proxy-client');
    try {
      const body = args.target === 'maintenance' ? { maintenance: true } : { url: args.target };
      const command = parseSwitchCommand({ id: newSwitchId(), ...body }, { requireId: true });
      const timeoutMs = args.timeout * 1000;
      if (args.redis) {
        const result = await switchViaRedis({ redisUrl: args.redis, name: args.name, command, timeoutMs });
        const ok = result.acks.filter((ack) => ack.ok);
        const refused = result.acks.filter((ack) => !ack.ok);
        if (args.json) process.stdout.write(`${JSON.stringify({ id: command.id, ...result })}\n`);
        else {
          process.stdout.write(
            `switched ${ok.length} of ${result.subscribers} prox${result.subscribers === 1 ? 'y' : 'ies'} to ${args.target} ${result.durationMs} ms\n`,
          );
          for (const ack of refused) process.stdout.write(`  ${ack.proxy} refused: ${ack.error ?? 'unknown reason'}\n`);
        }
        if (ok.length === 0) {
          throw new SwitchError(
            'SWITCH_UNCONFIRMED',
            `no proxy named "${args.name}" confirmed the switch within ${args.timeout} s (the state key is stored; proxies pick it up when they connect)`,
          );
        }
        if (refused.length > 0) process.exitCode = ExitCode.failed;
      } else {
        const state = await switchViaAdmin({
          adminUrl: adminUrlOf(args.admin),
          token: args['admin-token'],
          command,
          timeoutMs,
        });
        process.stdout.write(args.json ? `${JSON.stringify(state)}\n` : `switched ${args.admin} to ${args.target}\n`);
      }
    } catch (error) {
      failWith(error);
    }
  },
};
