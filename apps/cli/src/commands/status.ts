import type { DeployRecord } from '@wunderproxy/launcher';
import type { Argv, CommandModule } from 'yargs';
import { adminUrlOf } from '../admin-address.js';
import { type LauncherArgs, runWithLauncher, withLauncherOptions } from '../launcher-options.js';

interface StatusArgs extends LauncherArgs {
  name: string;
  json?: boolean;
  limit: number;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shortTime(iso: string | null): string {
  return iso === null ? '-' : iso.replace('T', ' ').slice(0, 19);
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status',
  describe: 'Show the current backend, the deploy history and the proxy counters (works without the launcher running)',
  builder: (yargs: Argv) =>
    withLauncherOptions(
      yargs
        .option('name', { type: 'string', default: 'app', describe: 'app name' })
        .option('json', { type: 'boolean', describe: 'print JSON for machines' })
        .option('limit', { type: 'number', default: 20, describe: 'history rows to show' }),
    ) as unknown as Argv<StatusArgs>,
  handler: async (args) => {
    await runWithLauncher(
      args,
      async (launcher) => {
        const history = launcher.history(args.name);
        const [{ records, warnings }, proxy] = await Promise.all([
          history.load(),
          fetch(new URL('/status.json', adminUrlOf(args.admin)), { signal: AbortSignal.timeout(1_000) })
            .then(async (r) => (r.ok ? ((await r.json()) as Record<string, unknown>) : null))
            .catch(() => null),
        ]);
        // No proxy answered and Redis may be down too: the history still prints, the backend is "unknown".
        const backend =
          proxy?.backend ??
          (await launcher.currentBackendOf(args.name).catch((error: Error) => {
            warnings.push(`current backend: unreadable (${error.message})`);
            return null;
          }));
        if (args.json) {
          process.stdout.write(
            `${JSON.stringify({ app: args.name, backend, proxy, deploys: records.slice(0, args.limit), warnings }, null, 2)}\n`,
          );
        } else {
          const state = backend as { url: string | null; maintenance: boolean; since: string } | null;
          process.stdout.write(
            `app: ${args.name}\nbackend: ${state ? (state.maintenance ? 'maintenance' : (state.url ?? 'none')) : 'unknown (no proxy or Redis answered)'}${state ? ` since ${shortTime(state.since)}` : ''}\n`,
          );
          const stats = proxy?.stats as
            | { requests: Record<string, number>; connections: Record<string, number> }
            | undefined;
          if (stats) {
            const r = stats.requests;
            const c = stats.connections;
            process.stdout.write(
              `proxy: requests 2xx ${r['2xx']} 3xx ${r['3xx']} 4xx ${r['4xx']} 5xx ${r['5xx']}; connections open ${c.open}, active ${c.active}, websockets ${c.websockets}\n`,
            );
          }
          process.stdout.write('\n');
          const rows = [['ID', 'IMAGE', 'CONFIG', 'STARTED', 'FINISHED', 'OUTCOME', 'TRIGGER']];
          for (const record of records.slice(0, args.limit) as DeployRecord[]) {
            const outcome =
              record.outcome === 'failed' && record.error ? `failed: ${record.error.slice(0, 60)}` : record.outcome;
            rows.push([
              record.id,
              record.image,
              record.configUrl ?? (record.rollbackOf ? `(stored, of ${record.rollbackOf})` : '-'),
              shortTime(record.startedAt),
              shortTime(record.finishedAt),
              outcome,
              record.trigger,
            ]);
          }
          process.stdout.write(records.length > 0 ? `${table(rows)}\n` : 'no deploys recorded\n');
          for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
        }
      },
      () => {},
    );
  },
};
