import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The built CLI (test/support/build-cli.ts keeps it fresh). */
export const cliMain = resolve(dirname(fileURLToPath(import.meta.url)), '../../../cli/dist/main.js');
/** What operators and the systemd units run: it execs node with the proxy's V8 flags. */
export const binWunderproxy = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../bin/wunderproxy');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs `wunderproxy ARGS…` to completion (for commands that exit by themselves). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr, durationMs: performance.now() - started };
}

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly url: string;
  readonly adminUrl: string;
  /** Parsed JSON log lines from stdout. */
  readonly logs: Array<Record<string, unknown>>;
  /** Resolves with the first log line whose `msg` is `msg` (already logged or still to come). */
  logged(msg: string): Promise<Record<string, unknown>>;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then wait for the exit (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

/**
 * Starts `wunderproxy proxy ARGS…` (on free loopback ports unless `freePorts` is false) and resolves once it
 * logged `proxy listening`; the ports are taken from that line. `start` 'bin' runs it as operators do, through
 * bin/wunderproxy (which execs node, so the pid is node's); 'node' runs the built CLI with a bare `node`.
 */
export async function spawnProxy(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  freePorts = true,
  start: 'bin' | 'node' = 'bin',
): Promise<ProxyProcess> {
  const addresses = freePorts ? ['--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0'] : [];
  const command = start === 'bin' ? [binWunderproxy] : [process.execPath, cliMain];
  const child = spawn(command[0]!, [...command.slice(1), 'proxy', ...addresses, ...args], {
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const lines = new EventEmitter();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      lines.emit('line', entry);
      if (entry.msg === 'proxy listening') resolve(entry);
    });
    void exited.then((code) => reject(new Error(`proxy exited ${code} before listening: ${stderr}`)));
  });
  const entry = await listening;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  const logged = (msg: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = logs.find((entry) => entry.msg === msg);
      if (seen) return resolve(seen);
      const onLine = (entry: Record<string, unknown>) => {
        if (entry.msg !== msg) return;
        lines.off('line', onLine);
        resolve(entry);
      };
      lines.on('line', onLine);
    });
  return {
    child,
    logged,
    pid: child.pid!,
    url: `http://${entry.listen as string}`,
    adminUrl: `http://${entry.admin as string}`,
    logs,
    exited,
    stop,
  };
}

/** The test runner's environment without WUNDERPROXY_* (a developer's shell must not change what a test runs). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('WUNDERPROXY_')) env[key] = value;
  return env;
}
