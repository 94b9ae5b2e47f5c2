import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface WrkOptions {
  threads: number;
  connections: number;
  durationSeconds: number;
}

export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

// wrk's done() hook prints one machine-readable line; latencies are in microseconds.
const REPORT_LUA = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.0f %.0f %.0f %.0f %.0f %.0f\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
`;

/** Writes the wrk report script into `dir` and returns a runner bound to it. */
export function wrkRunner(dir: string): (url: string, options: WrkOptions) => Promise<WrkResult> {
  const script = join(dir, 'report.lua');
  writeFileSync(script, REPORT_LUA);
  return (url, options) => runWrk(url, options, script);
}

function runWrk(url: string, options: WrkOptions, script: string): Promise<WrkResult> {
  const args = [
    `-t${options.threads}`,
    `-c${options.connections}`,
    `-d${options.durationSeconds}s`,
    '--latency',
    '-s',
    script,
    url,
  ];
  return new Promise((resolve, reject) => {
    // detached: a Ctrl-C in the terminal reaches the harness, which stops wrk itself
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), (options.durationSeconds + 15) * 1000);
    activeWrk.add(child.pid!);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      activeWrk.delete(child.pid!);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk ${args.join(' ')} failed (exit ${code}): ${out.trim().slice(-500)}`));
        return;
      }
      const [requests, durationUs, p50Us, p99Us, errors, non2xx] = line.split(' ').slice(1).map(Number) as number[];
      resolve({
        requests: requests!,
        rps: requests! / (durationUs! / 1e6),
        p50Ms: p50Us! / 1000,
        p99Ms: p99Us! / 1000,
        errors: errors!,
        non2xx: non2xx!,
      });
    });
  });
}

/** wrk processes still running (stopped by the harness on Ctrl-C). */
export const activeWrk = new Set<number>();
