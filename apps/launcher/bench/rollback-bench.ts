/**
 * Rollback to a kept container: from command start to traffic switched, median of 10 (target ≤ 1.5 s for the
 * busybox sample image), and the share of it that is the container's own start and first health answer.
 *
 * Real redis-server, dockerd and the proxy (in this process). Two measurements, 10 rollbacks each, alternating
 * between the kept v1 and v2 containers:
 * - in process: `Launcher.rollback()` called → the `switch` step line written (proxies acked);
 * - CLI: `wunderproxy rollback` spawned (node start included) → its `switch` line on stdout.
 *
 * `pnpm bench:rollback` (after `pnpm build`).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from '@wunderproxy/docker';
import { ensureDocker } from '@wunderproxy/testkit/docker-engine';
import { startRedis } from '@wunderproxy/testkit/redis';
import { buildSampleApp, removeImages } from '@wunderproxy/testkit/sample-app';
import type { DeployStep } from '../src/deploy-log.js';
import { Launcher } from '../src/launcher.js';
import { cliMain, removeAppContainers } from '../test/support/app-fixture.js';
import { startTestProxy } from '../test/support/test-proxy.js';

const RUNS = 10;

interface Run {
  /** command start → switch acked */
  toSwitchMs: number;
  /** container start + its health gate (first 2xx) */
  startToHealthyMs: number;
  /** then drain + retire of the other container, until the command returns */
  totalMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function startToHealthy(steps: DeployStep[]): number {
  return steps.filter((s) => s.step === 'start' || s.step === 'health').reduce((sum, s) => sum + s.durationMs, 0);
}

async function cliRollback(args: string[]): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliMain, 'rollback', ...args], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let switchedAt = 0;
  let buffer = '';
  let stderr = '';
  const steps: DeployStep[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith('{')) continue;
      const step = JSON.parse(line) as DeployStep;
      steps.push(step);
      if (step.step === 'switch') switchedAt = performance.now();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((done) => child.once('close', done));
  if (code !== 0 || switchedAt === 0) throw new Error(`wunderproxy rollback exited ${code}: ${stderr}`);
  return {
    toSwitchMs: switchedAt - started,
    startToHealthyMs: startToHealthy(steps),
    totalMs: performance.now() - started,
  };
}

function report(label: string, runs: Run[]): { median: number; share: number } {
  const toSwitch = median(runs.map((r) => r.toSwitchMs));
  const healthy = median(runs.map((r) => r.startToHealthyMs));
  const total = median(runs.map((r) => r.totalMs));
  console.log(`\n${label}`);
  console.log('run  to-switch  start→healthy  total');
  runs.forEach((r, i) => {
    console.log(
      `${String(i + 1).padStart(3)}  ${r.toSwitchMs.toFixed(0).padStart(7)} ms  ${r.startToHealthyMs.toFixed(0).padStart(10)} ms  ${r.totalMs.toFixed(0).padStart(5)} ms`,
    );
  });
  const share = healthy / toSwitch;
  console.log(
    `median to switch ${toSwitch.toFixed(0)} ms (target ≤ 1500 ms: ${toSwitch <= 1500 ? 'met' : 'MISSED'}); ` +
      `container start→healthy ${healthy.toFixed(0)} ms = ${(share * 100).toFixed(0)} %; command total ${total.toFixed(0)} ms`,
  );
  return { median: toSwitch, share };
}

async function main(): Promise<void> {
  await ensureDocker();
  const app = `rb-bench-${randomBytes(3).toString('hex')}`;
  const repo = `wp-rb-bench-${randomBytes(3).toString('hex')}`;
  const tags = [`${repo}:v1`, `${repo}:v2`];
  const dir = mkdtempSync(join(tmpdir(), 'wp-rb-bench-'));
  const stateDir = join(dir, 'state');
  const redis = await startRedis();
  const proxy = await startTestProxy(app, redis.url);
  const adminUrl = proxy.adminUrl;
  let switchedAt = 0;
  const launcher = new Launcher({
    stateDir,
    proxy: { redisUrl: redis.url, adminUrl, ackTimeoutMs: 5_000 },
    docker: new DockerClient(),
    retain: 5,
    format: 'json',
    write: (line) => {
      if ((JSON.parse(line) as DeployStep).step === 'switch') switchedAt = performance.now();
    },
  });
  try {
    for (const [index, tag] of tags.entries()) {
      await buildSampleApp({ tag, version: `v${index + 1}` });
      const config = join(dir, `v${index + 1}.json`);
      writeFileSync(
        config,
        JSON.stringify({
          name: app,
          image: tag,
          container: { port: 8080, init: true, stopTimeoutSeconds: 2 },
          healthCheck: { path: '/health', timeoutSeconds: 20, intervalMs: 20 },
        }),
      );
      await launcher.deploy({ configUrl: config, trigger: 'bench' });
    }
    console.log(`app ${app}: v1 and v2 deployed; v1 kept stopped. ${RUNS} rollbacks each way, alternating v1/v2.`);

    const inProcess: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const record = await launcher.rollback({ app, trigger: 'bench' });
      if (!record.steps.some((s) => s.step === 'start' && s.message.startsWith('started kept container'))) {
        throw new Error(`rollback ${record.id} did not reuse a kept container`);
      }
      inProcess.push({
        toSwitchMs: switchedAt - started,
        startToHealthyMs: startToHealthy(record.steps),
        totalMs: performance.now() - started,
      });
    }
    const cli: Run[] = [];
    const args = [
      '--name',
      app,
      '--state-dir',
      stateDir,
      '--redis',
      redis.url,
      '--admin',
      adminUrl,
      '--log-format',
      'json',
    ];
    for (let i = 0; i < RUNS; i++) cli.push(await cliRollback(args));

    const a = report('in process: Launcher.rollback() → switch acked', inProcess);
    const b = report('CLI: `wunderproxy rollback` spawned (node start included) → switch acked', cli);
    console.log(
      `\nSUMMARY rollback to a kept container, median of ${RUNS}: ${a.median.toFixed(0)} ms in process ` +
        `(start→healthy ${(a.share * 100).toFixed(0)} %), ${b.median.toFixed(0)} ms from the CLI (start→healthy ${(b.share * 100).toFixed(0)} %)`,
    );
  } finally {
    await launcher.close();
    await proxy.close(1_000);
    await removeAppContainers(app);
    await removeImages(tags);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
