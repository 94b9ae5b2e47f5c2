/**
 * `pnpm bench:proxy`: the test backend, nginx (1 worker, upstream keep-alive) and our proxy side by side on
 * loopback, wrk against each for 100 B and 64 KiB bodies, interleaved over rounds; prints medians, the ratio
 * ours/nginx and PASS/FAIL against the floor (≥ 0.4× nginx req/s, p99 ≤ 3× nginx's). See ../BENCHMARK.md.
 *
 * Options: --duration S (10) --warmup S (2) --rounds N (5) --workers N[,N…] (1; passed to `proxy --workers`,
 * a list benchmarks each) --connections N (50) --threads N (2) --hp3 (also stock http-proxy-3, for the record).
 */
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort, HOST, hasCommand, ProcessGroup, probe, selfCpuSeconds } from './processes.js';
import { activeWrk, type WrkResult, wrkRunner } from './wrk.js';

const FLOOR_RPS_RATIO = 0.4;
const FLOOR_P99_RATIO = 3;

const argv = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
const { values: flags } = parseArgs({
  args: argv,
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    workers: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    hp3: { type: 'boolean', default: false },
  },
});
function intFlag(name: keyof typeof flags, min: number, max: number): number {
  const value = Number(flags[name]);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`--${name} must be an integer from ${min} to ${max}`);
  return value;
}
const durationSeconds = intFlag('duration', 1, 120);
const warmupSeconds = intFlag('warmup', 0, 30);
const rounds = intFlag('rounds', 1, 10);
const connections = intFlag('connections', 1, 10_000);
const threads = intFlag('threads', 1, 64);
const workerCounts = String(flags.workers)
  .split(',')
  .map((w) => Number(w));
if (workerCounts.some((w) => !Number.isInteger(w) || w < 1 || w > 64))
  fail('--workers must be N or a list N,N (1..64)');

function fail(message: string): never {
  console.error(`proxy-bench: ${message}`);
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const cliMain = resolve(here, '../../cli/dist/main.js');
// Ours runs as operators and the systemd unit run it: through bin/wunderproxy, which passes node the proxy's V8 flags.
const binWunderproxy = resolve(here, '../../../bin/wunderproxy');
const missing = ['nginx', 'wrk'].filter((name) => !hasCommand(name));
if (missing.length > 0) fail(`missing ${missing.join(' and ')}; install with: apt-get install -y ${missing.join(' ')}`);
if (!existsSync(cliMain)) fail(`${cliMain} not found; run \`pnpm build\` at the repo root first`);

const work = mkdtempSync(join(tmpdir(), 'wunderproxy-bench-'));
const processes = new ProcessGroup();
let backend: http.Server | undefined;

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= stopEverything();
  return cleaning;
}
async function stopEverything(): Promise<void> {
  for (const pid of activeWrk) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await processes.stopAll();
  backend?.closeAllConnections();
  backend?.close();
  rmSync(work, { recursive: true, force: true });
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nproxy-bench: ${signal}, stopping everything it started`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => processes.killAllNow());

// ---------------------------------------------------------------- the pieces
const small = Buffer.alloc(100, 'x');
const big = Buffer.alloc(64 * 1024, 'y');
const backendPort = await freePort();
backend = http.createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const body = req.url === '/64k' ? big : small;
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
backend.headersTimeout = 66_000;
await new Promise<void>((r) => backend!.listen(backendPort, HOST, r));
const backendUrl = `http://${HOST}:${backendPort}`;

interface Target {
  name: string;
  kind: 'direct' | 'nginx' | 'ours' | 'hp3';
  port: number;
  workers?: number;
}
const targets: Target[] = [{ name: 'direct', kind: 'direct', port: backendPort }];

async function startNginx(): Promise<Target> {
  const port = await freePort();
  const dir = join(work, 'nginx');
  const conf = join(dir, 'nginx.conf');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(
    conf,
    `worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body; proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fcgi; uwsgi_temp_path ${dir}/tmp/uwsgi; scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 1000000;
  upstream backend {
    server ${HOST}:${backendPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen ${HOST}:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffer_size 16k;
      proxy_buffers 8 16k;
    }
  }
}
`,
  );
  const log = openSync(join(dir, 'stdout.log'), 'a');
  processes.start('nginx', 'nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { log });
  await processes.waitReady('nginx', `http://${HOST}:${port}/`);
  return { name: 'nginx', kind: 'nginx', port };
}

async function startOurs(workers: number): Promise<Target> {
  const [port, admin] = [await freePort(), await freePort()];
  const name = workerCounts.length > 1 || workers > 1 ? `wunderproxy ×${workers}` : 'wunderproxy';
  const args = [
    'proxy',
    '--listen',
    `${HOST}:${port}`,
    '--admin',
    `${HOST}:${admin}`,
    '--backend',
    backendUrl,
    '--log-level',
    'warn',
  ];
  if (workers !== 1) args.push('--workers', String(workers));
  const log = openSync(join(work, `ours-${workers}.log`), 'a');
  processes.start(name, binWunderproxy, args, { log });
  await processes.waitReady(name, `http://${HOST}:${port}/`);
  return { name, kind: 'ours', port, workers };
}

async function startHttpProxy3(): Promise<Target> {
  const port = await freePort();
  const hp3 = createRequire(import.meta.url).resolve('http-proxy-3');
  const script = join(work, 'stock-hp3.cjs');
  writeFileSync(
    script,
    `const http = require('node:http');
const { createProxyServer } = require(${JSON.stringify(hp3)});
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
const proxy = createProxyServer({ target: ${JSON.stringify(backendUrl)}, agent, xfwd: true });
proxy.on('error', (err, req, res) => { if (res.writeHead && !res.headersSent) res.writeHead(502); res.end(); });
const server = http.createServer({ keepAliveTimeout: 65000 }, (req, res) => proxy.web(req, res));
server.listen(${port}, ${JSON.stringify(HOST)});
`,
  );
  processes.start('http-proxy-3', process.execPath, [script]);
  await processes.waitReady('http-proxy-3', `http://${HOST}:${port}/`);
  return { name: 'http-proxy-3 (stock)', kind: 'hp3', port };
}

const sizes = [
  { label: '100 B', path: '/', bytes: small.length },
  { label: '64 KiB', path: '/64k', bytes: big.length },
] as const;

interface Sample extends WrkResult {
  target: Target;
  size: string;
  round: number;
  cpuUsPerRequest: number;
}

async function main(): Promise<number> {
  targets.push(await startNginx());
  for (const workers of workerCounts) targets.push(await startOurs(workers));
  if (flags.hp3) targets.push(await startHttpProxy3());
  for (const target of targets) {
    for (const size of sizes) {
      const answer = await probe(`http://${HOST}:${target.port}${size.path}`);
      if (answer?.status !== 200 || answer.bytes !== size.bytes) {
        throw new Error(
          `${target.name} answers ${JSON.stringify(answer)} for ${size.path}; want 200 with ${size.bytes} bytes`,
        );
      }
    }
  }

  const wrk = wrkRunner(work);
  const perRun = durationSeconds + warmupSeconds;
  console.error(
    `proxy-bench: wrk -t${threads} -c${connections} -d${durationSeconds}s (warm-up ${warmupSeconds}s), ${rounds} rounds × ${sizes.length} sizes × ${targets.length} targets ≈ ${Math.ceil((rounds * sizes.length * targets.length * perRun) / 60)} min`,
  );
  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const size of sizes) {
      // Rotate the order each round so no target always runs right after the same neighbour.
      const order = targets.map((_, i) => targets[(i + round - 1) % targets.length]!);
      for (const target of order) {
        const url = `http://${HOST}:${target.port}${size.path}`;
        if (warmupSeconds > 0) await wrk(url, { threads, connections, durationSeconds: warmupSeconds });
        const cpuName = target.kind === 'nginx' ? 'nginx' : target.kind === 'hp3' ? 'http-proxy-3' : target.name;
        const cpu0 = target.kind === 'direct' ? selfCpuSeconds() : processes.cpuSeconds(cpuName);
        const result = await wrk(url, { threads, connections, durationSeconds });
        const cpu1 = target.kind === 'direct' ? selfCpuSeconds() : processes.cpuSeconds(cpuName);
        const cpuUsPerRequest = ((cpu1 - cpu0) * 1e6) / Math.max(1, result.requests);
        samples.push({ ...result, target, size: size.label, round, cpuUsPerRequest });
        console.error(
          `  r${round} ${size.label.padEnd(6)} ${target.name.padEnd(22)} ${result.rps.toFixed(0).padStart(7)} req/s  p50 ${result.p50Ms.toFixed(2)} ms  p99 ${result.p99Ms.toFixed(2)} ms${result.errors + result.non2xx > 0 ? `  errors ${result.errors} non-2xx ${result.non2xx}` : ''}`,
        );
      }
    }
  }
  return report(samples);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function report(samples: Sample[]): number {
  const rows: string[] = [];
  const verdicts: string[] = [];
  let pass = true;
  rows.push('| target | size | req/s | p50 ms | p99 ms | CPU µs/req | req/s ours/nginx | p99 ours/nginx |');
  rows.push('|---|---|---:|---:|---:|---:|---:|---:|');
  for (const size of sizes) {
    const of = (target: Target) => samples.filter((s) => s.target === target && s.size === size.label);
    const nginx = of(targets.find((t) => t.kind === 'nginx')!);
    const nginxRps = median(nginx.map((s) => s.rps));
    const nginxP99 = median(nginx.map((s) => s.p99Ms));
    for (const target of targets) {
      const runs = of(target);
      const rps = median(runs.map((s) => s.rps));
      const p99 = median(runs.map((s) => s.p99Ms));
      const compared = target.kind === 'ours' || target.kind === 'hp3';
      const rpsRatio = rps / nginxRps;
      const p99Ratio = p99 / nginxP99;
      const errors = runs.reduce((sum, s) => sum + s.errors + s.non2xx, 0);
      rows.push(
        `| ${target.name} | ${size.label} | ${rps.toFixed(0)} | ${median(runs.map((s) => s.p50Ms)).toFixed(2)} | ${p99.toFixed(2)} | ` +
          `${target.kind === 'direct' ? '-' : median(runs.map((s) => s.cpuUsPerRequest)).toFixed(1)} | ` +
          `${compared ? `${rpsRatio.toFixed(2)}×` : ''} | ${compared ? `${p99Ratio.toFixed(2)}×` : ''} |${errors > 0 ? ` errors: ${errors}` : ''}`,
      );
      if (target.kind === 'ours') {
        const ok = rpsRatio >= FLOOR_RPS_RATIO && p99Ratio <= FLOOR_P99_RATIO && errors === 0;
        if (!ok) pass = false;
        verdicts.push(
          `${ok ? 'PASS' : 'FAIL'} ${target.name} ${size.label}: ${rpsRatio.toFixed(2)}× nginx req/s (floor ≥ ${FLOOR_RPS_RATIO}×), p99 ${p99Ratio.toFixed(2)}× nginx (floor ≤ ${FLOOR_P99_RATIO}×)${errors > 0 ? `, ${errors} errors` : ''}`,
        );
      }
    }
  }
  console.log(
    `\nMedians over ${rounds} interleaved rounds; wrk -t${threads} -c${connections} -d${durationSeconds}s on ${HOST}.`,
  );
  console.log(
    'CPU µs/req: CPU time of the target process group per request (for direct: the harness hosting the backend).\n',
  );
  console.log(rows.join('\n'));
  console.log(`\n${verdicts.join('\n')}`);
  console.log(pass ? 'PASS: floor met' : 'FAIL: floor not met');
  return pass ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  if (!interrupted) console.error(`proxy-bench: ${(error as Error).message}`);
} finally {
  await cleanup();
}
process.exit(interrupted ? 130 : code);
