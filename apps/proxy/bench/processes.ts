import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

/** The benchmark only ever talks to loopback. */
export const HOST = '127.0.0.1';

/** A free TCP port on loopback (asked from the kernel, then released for the server that takes it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a command is on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** GET a loopback URL: status and body length, or null when nothing answers. */
export function probe(url: string): Promise<{ status: number; bytes: number } | null> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 1000 }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/**
 * Everything the benchmark starts, each in its own process group (detached), so stopping one stops its whole
 * tree (nginx's worker, cluster workers) and nothing else. `stopAll` runs at exit and on Ctrl-C.
 */
export class ProcessGroup {
  readonly #children = new Map<string, ChildProcess>();

  start(
    name: string,
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; log?: number } = {},
  ): ChildProcess {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', options.log ?? 'ignore', options.log ?? 'ignore'],
      env: options.env ?? process.env,
    });
    this.#children.set(name, child);
    child.once('exit', () => this.#children.delete(name));
    return child;
  }

  /** Waits until `url` answers 200, the process exits, or `timeoutMs` passes. */
  async waitReady(name: string, url: string, timeoutMs = 30_000): Promise<void> {
    const child = this.#children.get(name);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`${name} exited during start`);
      const answer = await probe(url);
      if (answer?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${name} did not answer 200 on ${url} within ${timeoutMs} ms`);
  }

  /** CPU seconds (user + system) used so far by every live process of `name`'s process group. */
  cpuSeconds(name: string): number {
    const pgid = this.#children.get(name)?.pid;
    return pgid === undefined ? 0 : groupCpuSeconds(pgid);
  }

  pid(name: string): number | undefined {
    return this.#children.get(name)?.pid;
  }

  /** Sends `signal` to one group and waits for its leader to exit (SIGKILL after `graceMs`). */
  async stop(name: string, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
    const child = this.#children.get(name);
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child.pid, signal);
    const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(child.pid, 'SIGKILL'); // stragglers of the group (a worker that outlived its primary)
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#children.keys()].reverse().map((name) => this.stop(name)));
  }

  /** Synchronous last resort for `process.on('exit')`: no waiting possible there. */
  killAllNow(): void {
    for (const child of this.#children.values()) if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of every process whose process group is `pgid` (see proc(5): fields 5, 14, 15). */
export function groupCpuSeconds(pgid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== pgid) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS;
}

/** CPU seconds of this process (the harness, which also hosts the test backend). */
export function selfCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
