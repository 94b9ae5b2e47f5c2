/**
 * `pnpm bench:registry`: docker push and docker pull of an image with one incompressible layer (100 MiB unless
 * `--layer-mib N`), against our registry (directory driver) and Debian's docker-registry (distribution 2.8, filesystem
 * storage), both started here. Prints medians, the ratio ours/reference, and both registries' peak RSS.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPort } from '@wunderproxy/testkit/ports';

interface BenchOptions {
  layerMiB: number;
  rounds: number;
}

function parseArguments(argv: readonly string[]): BenchOptions {
  // Five rounds by default: the build machines are shared, and single docker pushes vary by ±30 % under load.
  const options: BenchOptions = { layerMiB: 100, rounds: 5 };
  for (let index = 0; index < argv.length; index += 1) {
    const value = Number(argv[index + 1]);
    if (argv[index] === '--layer-mib') options.layerMiB = value;
    else if (argv[index] === '--rounds') options.rounds = value;
    else continue;
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[index]} wants a positive number`);
    index += 1;
  }
  return options;
}

async function command(file: string, args: readonly string[]): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DOCKER_BUILDKIT: '0' } },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')}: ${stderr || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

async function timed(file: string, args: readonly string[]): Promise<number> {
  const started = performance.now();
  await command(file, args);
  return (performance.now() - started) / 1000;
}

interface RunningServer {
  readonly name: string;
  readonly host: string;
  readonly child: ChildProcess;
}

async function startReference(directory: string): Promise<RunningServer> {
  const port = await freePort();
  await mkdir(directory, { recursive: true });
  const config = join(directory, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: error, accesslog: { disabled: true } }',
      'storage:',
      `  filesystem: { rootdirectory: ${join(directory, 'data')} }`,
      '  delete: { enabled: true }',
      `http: { addr: "127.0.0.1:${port}" }`,
      '',
    ].join('\n'),
  );
  // Its error log lists every HEAD 404 of a push: noise here, so only the exit matters.
  const child = spawn('/usr/bin/docker-registry', ['serve', config], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'reference', host: `127.0.0.1:${port}`, child };
}

async function startOurs(directory: string): Promise<RunningServer> {
  const port = await freePort();
  const script = join(dirname(fileURLToPath(import.meta.url)), 'registry-server.js');
  const child = spawn(process.execPath, [script, directory, String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port);
  return { name: 'ours', host: `127.0.0.1:${port}`, child };
}

async function peakRssMiB(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

async function stop(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** A fresh image per round (new random bytes), so no registry or docker cache can skip the upload. */
async function buildImage(context: string, tag: string, layerMiB: number): Promise<void> {
  await copyFile('/bin/busybox', join(context, 'busybox'));
  const payload = createWriteStream(join(context, 'payload.bin'));
  for (let written = 0; written < layerMiB; written += 1) {
    if (!payload.write(randomBytes(1024 * 1024)))
      await new Promise<void>((resolve) => payload.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => payload.end(() => resolve()));
  await writeFile(
    join(context, 'Dockerfile'),
    'FROM scratch\nCOPY busybox /bin/busybox\nCOPY payload.bin /payload.bin\nCMD ["/bin/busybox","true"]\n',
  );
  await command('docker', ['build', '-q', '-t', tag, context]);
  await rm(join(context, 'payload.bin'));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const scratch = await mkdtemp(join(tmpdir(), 'wpreg-bench-'));
  const servers: RunningServer[] = [];
  const images = new Set<string>();
  const timings = {
    push: { ours: [] as number[], reference: [] as number[] },
    pull: { ours: [] as number[], reference: [] as number[] },
  };
  try {
    servers.push(await startReference(join(scratch, 'reference')));
    servers.push(await startOurs(join(scratch, 'ours')));
    console.log(
      `layer ${options.layerMiB} MiB, ${options.rounds} rounds; reference ${servers[0]!.host}, ours ${servers[1]!.host}`,
    );
    for (let round = 1; round <= options.rounds; round += 1) {
      const repository = `wpreg-bench-${randomUUID().slice(0, 8)}/payload:r${round}`;
      const tags = servers.map((server) => `${server.host}/${repository}`);
      const context = join(scratch, `context-${round}`);
      await mkdir(context, { recursive: true });
      await buildImage(context, tags[0]!, options.layerMiB);
      for (const tag of tags) images.add(tag);
      await command('docker', ['tag', tags[0]!, tags[1]!]);
      // Alternate who goes first, so neither always meets a warmer page cache.
      const order = round % 2 ? [0, 1] : [1, 0];
      for (const index of order) {
        const seconds = await timed('docker', ['push', tags[index]!]);
        timings.push[servers[index]!.name as 'ours' | 'reference'].push(seconds);
      }
      await command('docker', ['rmi', ...tags]);
      for (const index of order) {
        const seconds = await timed('docker', ['pull', tags[index]!]);
        timings.pull[servers[index]!.name as 'ours' | 'reference'].push(seconds);
        await command('docker', ['rmi', tags[index]!]);
      }
      console.log(
        `round ${round}: push ours ${timings.push.ours.at(-1)!.toFixed(2)} s, reference ${timings.push.reference.at(-1)!.toFixed(2)} s; ` +
          `pull ours ${timings.pull.ours.at(-1)!.toFixed(2)} s, reference ${timings.pull.reference.at(-1)!.toFixed(2)} s`,
      );
    }
    const rows = (['push', 'pull'] as const).map((operation) => {
      const ours = median(timings[operation].ours);
      const reference = median(timings[operation].reference);
      return {
        operation,
        'ours (s)': ours.toFixed(2),
        'reference (s)': reference.toFixed(2),
        'ours/reference': (ours / reference).toFixed(2),
      };
    });
    console.table(rows);
    const oursRss = await peakRssMiB(servers[1]!.child.pid);
    const referenceRss = await peakRssMiB(servers[0]!.child.pid);
    console.log(`peak RSS (VmHWM): ours ${oursRss.toFixed(1)} MiB, reference ${referenceRss.toFixed(1)} MiB`);
  } finally {
    for (const image of images) await command('docker', ['rmi', image]).catch(() => undefined);
    for (const server of servers) await stop(server);
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
