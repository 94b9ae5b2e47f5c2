/**
 * `pnpm bench:deploy`: the launcher's own share of a deploy.
 *
 * For each of 10 deploys (alternating two sample-app images, after one warm-up): the time from `Launcher.deploy()`
 * to the proxies' confirmed switch, minus the time the container itself needed from the `docker start` call to its
 * first healthy answer (measured beside the launcher by a 2 ms poller on the published port). What is left is
 * fetch, lock, image check, create, inspect, the health gate's polling lag and the switch with acks.
 * Target: median ≤ 300 ms.
 *
 * Then the failure path: a container that exits ~1 s after starting; from its exit (the engine's State.FinishedAt)
 * to the launcher's failed health step. Target: no later than one health-check interval.
 *
 * Real dockerd, redis-server and proxy (in this process, switched through Redis with acks).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppContainer, type AppContainerSpec, DockerClient } from '@wunderproxy/docker';
import { ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { startRedis } from '@wunderproxy/testkit/redis';
import { buildSampleApp, removeImages } from '@wunderproxy/testkit/sample-app';
import { Launcher } from '../src/index.js';
import { cliMain, removeAppContainers } from '../test/support/app-fixture.js';
import { startTestProxy } from '../test/support/test-proxy.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const DEPLOYS = 10;
const TARGET_OVERHEAD_MS = 300;
const FAILURE_RUNS = 5;
const CLI_RUNS = 5;

/**
 * Runs `wunderproxy launch CONFIG --log-format json` and returns the ms from spawn to the start of the deploy
 * (the first step line's time minus its duration) and to the switch line.
 */
function cliLaunch(args: string[]): Promise<{ boot: number; switched: number }> {
  const spawned = performance.now();
  const child = spawn(process.execPath, [cliMain, 'launch', ...args, '--log-format', 'json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let boot: number | undefined;
  let switched: number | undefined;
  let buffered = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const now = performance.now();
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const entry = JSON.parse(line) as { step: string; durationMs: number };
      if (boot === undefined) boot = now - entry.durationMs - spawned;
      if (entry.step === 'switch') switched = now - spawned;
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolvePromise, reject) => {
    child.once('exit', (code) => {
      if (code !== 0 || boot === undefined || switched === undefined)
        reject(new Error(`launch exited ${code}: ${stderr}`));
      else resolvePromise({ boot, switched });
    });
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ms = (value: number): string => `${Math.round(value)} ms`;

function healthy(port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

interface ContainerTiming {
  /** performance.now() right before the engine's start call. */
  startCalledAt: number;
  /** performance.now() of the first 2xx on the health path (2 ms poller). */
  firstHealthy: Promise<number | undefined>;
  /** The engine's State.FinishedAt, read before the launcher removes a failed container. */
  finishedAt?: Date | null;
  /** performance.now() when the engine's wait call (which the health gate races) reported the exit. */
  exitReportedAt?: number;
}

/** The launcher's DockerClient, with the container's own start → healthy time measured beside it. */
class TimedDocker extends DockerClient {
  readonly timings = new Map<string, ContainerTiming>();
  healthPath = '/health';

  override async runAppContainer(spec: AppContainerSpec): Promise<AppContainer> {
    const created = await this.createAppContainer(spec);
    const startCalledAt = performance.now();
    let started: AppContainer;
    try {
      started = await this.startAppContainer(created);
    } catch (error) {
      await this.removeContainer(created.id, { force: true }).catch(() => undefined);
      throw error;
    }
    const port = started.hostPort!;
    const deadline = startCalledAt + 30_000;
    const firstHealthy = (async () => {
      while (performance.now() < deadline) {
        if (await healthy(port, this.healthPath)) return performance.now();
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return undefined;
    })();
    this.timings.set(created.id, { startCalledAt, firstHealthy });
    return started;
  }

  override async waitForExit(id: string, options?: { signal?: AbortSignal }): Promise<{ exitCode: number }> {
    const result = await super.waitForExit(id, options);
    const timing = this.timings.get(id);
    if (timing) timing.exitReportedAt = performance.now();
    return result;
  }

  override async removeContainer(id: string, options?: { force?: boolean }): Promise<boolean> {
    const timing = this.timings.get(id);
    if (timing) timing.finishedAt = (await this.inspectState(id).catch(() => undefined))?.finishedAt;
    return await super.removeContainer(id, options);
  }
}

async function main(): Promise<void> {
  await ensureDocker();
  const redis = await startRedis();
  const name = `bench-${randomBytes(3).toString('hex')}`;
  const repo = `wp-deploy-bench-${randomBytes(3).toString('hex')}`;
  const tags = [`${repo}:v1`, `${repo}:v2`];
  const dir = mkdtempSync(join(tmpdir(), 'wp-deploy-bench-'));
  const proxy = await startTestProxy(name, redis.url);
  const docker = new TimedDocker();
  /** performance.now() when each step line was written, by deploy id and step. */
  const stepSeenAt = new Map<string, number>();
  /** performance.now() of each failed health step line: when the launcher knew the container would not do. */
  const failedHealthAt: number[] = [];
  const launcher = new Launcher({
    stateDir: join(dir, 'state'),
    proxy: { redisUrl: redis.url, adminUrl: proxy.adminUrl, ackTimeoutMs: 5_000 },
    docker,
    // The default: with two images alternating, the kept containers always reference both (prune never removes them).
    retain: 5,
    format: 'json',
    write: (line) => {
      const entry = JSON.parse(line) as { deploy: string; step: string; ok: boolean };
      stepSeenAt.set(`${entry.deploy} ${entry.step}`, performance.now());
      if (entry.step === 'health' && !entry.ok) failedHealthAt.push(performance.now());
    },
  });

  const config = (file: string, document: Record<string, unknown>): string => {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(document));
    return path;
  };
  const app = (image: string, healthCheck: Record<string, unknown>, container: Record<string, unknown> = {}) => ({
    name,
    image,
    container: { port: 8080, init: true, stopTimeoutSeconds: 2, ...container },
    healthCheck: { path: '/health', timeoutSeconds: 30, ...healthCheck },
  });

  try {
    for (const [index, tag] of tags.entries()) await buildSampleApp({ tag, version: `v${index + 1}` });

    const runDeploys = async (intervalMs: number) => {
      const configs = tags.map((tag, index) => config(`v${index + 1}-${intervalMs}.json`, app(tag, { intervalMs })));
      const rows: Array<{ total: number; container: number; overhead: number; steps: Record<string, number> }> = [];
      for (let i = -1; i < DEPLOYS; i++) {
        const started = performance.now();
        const record = await launcher.deploy({ configUrl: configs[(i + 2) % 2]!, trigger: 'bench' });
        const switchedAt = stepSeenAt.get(`${record.id} switch`)!;
        const timing = docker.timings.get(record.container!.id)!;
        const firstHealthy = await timing.firstHealthy;
        if (firstHealthy === undefined)
          throw new Error(`deploy ${record.id}: the side poller never saw a healthy answer`);
        if (i < 0) continue; // warm-up: first deploy of the app, cold caches
        const steps = Object.fromEntries(record.steps.map((s) => [s.step, s.durationMs]));
        const total = switchedAt - started;
        const container = firstHealthy - timing.startCalledAt;
        rows.push({ total, container, overhead: total - container, steps });
      }
      return rows;
    };

    const printTable = (title: string, rows: Awaited<ReturnType<typeof runDeploys>>): number => {
      const stepNames = ['fetch-config', 'image', 'start', 'health', 'switch'];
      const header = ['#', 'launch→switched', 'container start→healthy', 'overhead', ...stepNames];
      const lines = rows.map((row, index) => [
        String(index + 1),
        ms(row.total),
        ms(row.container),
        ms(row.overhead),
        ...stepNames.map((s) => ms(row.steps[s] ?? 0)),
      ]);
      lines.push([
        'median',
        ms(median(rows.map((r) => r.total))),
        ms(median(rows.map((r) => r.container))),
        ms(median(rows.map((r) => r.overhead))),
        ...stepNames.map((s) => ms(median(rows.map((r) => r.steps[s] ?? 0)))),
      ]);
      const widths = header.map((_, c) => Math.max(header[c]!.length, ...lines.map((l) => l[c]!.length)));
      const format = (cells: string[]) =>
        cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
      process.stdout.write(`\n${title}\n${format(header)}\n${lines.map(format).join('\n')}\n`);
      return median(rows.map((r) => r.overhead));
    };

    process.stdout.write(
      `deploy bench: ${DEPLOYS} deploys (+1 warm-up), app ${name}, proxy switched through Redis with acks; load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    const fast = printTable('health check every 100 ms:', await runDeploys(100));
    const slow = printTable('health check every 1000 ms (the config default):', await runDeploys(1000));

    // Failure path: the container exits ~1 s after start; the gate must notice within one interval.
    const detections: Array<{ intervalMs: number; engine: number; detected: number; failed: number; total: number }> =
      [];
    for (const intervalMs of [1000, 200]) {
      const crash = config(
        `crash-${intervalMs}.json`,
        app(tags[0]!, { intervalMs }, { cmd: ['/bin/sh', '-c', 'sleep 1; exit 3'] }),
      );
      for (let run = 0; run < FAILURE_RUNS; run++) {
        const known = new Set(docker.timings.keys());
        const started = performance.now();
        const failed = await launcher.deploy({ configUrl: crash, trigger: 'bench' }).then(
          () => undefined,
          (error: Error) => error,
        );
        const failedAt = performance.now();
        if (failed === undefined || !/exited with code 3/.test(failed.message))
          throw new Error(`crash deploy did not fail as expected: ${failed?.message}`);
        const id = [...docker.timings.keys()].find((key) => !known.has(key));
        const timing = id === undefined ? undefined : docker.timings.get(id);
        const finishedAt = timing?.finishedAt;
        if (!timing?.exitReportedAt || !finishedAt)
          throw new Error('no State.FinishedAt recorded for the crashed container');
        // Wall clock of this process (performance.timeOrigin + now) against the engine's, on the same host.
        const exitedAt = finishedAt.getTime() - performance.timeOrigin;
        detections.push({
          intervalMs,
          engine: timing.exitReportedAt - exitedAt,
          detected: failedHealthAt.at(-1)! - exitedAt,
          failed: failedAt - exitedAt,
          total: failedAt - started,
        });
      }
    }
    process.stdout.write(
      `\nfailed health check: a container that exits ~1 s after start (${FAILURE_RUNS} runs per interval), ms after its exit (State.FinishedAt):\n` +
        '  engine = dockerd reported the exit (the wait call the gate races); detected = failed health step; failed = deploy() rejected (log tail read, container removed)\n',
    );
    for (const intervalMs of [1000, 200]) {
      const runs = detections.filter((d) => d.intervalMs === intervalMs);
      const list = (pick: (d: (typeof runs)[number]) => number) => runs.map((d) => Math.round(pick(d))).join(', ');
      const worst = Math.max(...runs.map((d) => d.detected));
      process.stdout.write(
        `  interval ${String(intervalMs).padStart(4)} ms: engine ${list((d) => d.engine)}; detected ${list((d) => d.detected)}; failed ${list((d) => d.failed)}; ` +
          `detected − engine median ${ms(median(runs.map((d) => d.detected - d.engine)))} — target detected ≤ one interval: ${worst <= intervalMs ? 'PASS' : 'FAIL'} (worst ${ms(worst)})\n`,
      );
    }
    // The same deploy through the CLI: what a process start adds before the launcher's first step.
    const cliConfigs = tags.map((tag, index) => config(`cli-v${index + 1}.json`, app(tag, { intervalMs: 100 })));
    const cliFlags = ['--state-dir', join(dir, 'state'), '--admin', proxy.adminUrl, '--redis', redis.url];
    const cliRuns: Array<{ boot: number; switched: number }> = [];
    for (let i = 0; i < CLI_RUNS; i++) cliRuns.push(await cliLaunch([cliConfigs[i % 2]!, ...cliFlags]));
    const cliBoot = median(cliRuns.map((r) => r.boot));
    process.stdout.write(
      `\nthrough the CLI (node apps/cli/dist/main.js launch, ${CLI_RUNS} runs): process spawn → first step started ${cliRuns.map((r) => ms(r.boot)).join(', ')} (median ${ms(cliBoot)}); spawn → switched ${cliRuns.map((r) => ms(r.switched)).join(', ')}\n`,
    );
    process.stdout.write(
      `\ntarget: deploy overhead median ≤ ${TARGET_OVERHEAD_MS} ms — ${ms(fast)} with a 100 ms health interval: ${fast <= TARGET_OVERHEAD_MS ? 'PASS' : 'FAIL'}; ${ms(slow)} with 1000 ms: ${slow <= TARGET_OVERHEAD_MS ? 'PASS' : 'FAIL'}` +
        ` (the launcher from deploy() on; counted from the CLI process start add ${ms(cliBoot)} of node start-up: ${ms(fast + cliBoot)})\n`,
    );
  } finally {
    await launcher.close();
    await proxy.close(500);
    await removeAppContainers(name);
    await removeImages(tags).catch(() => undefined);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `deploy bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
