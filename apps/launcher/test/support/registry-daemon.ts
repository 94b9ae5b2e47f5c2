import { type ChildProcess, spawn } from 'node:child_process';
import { cliMain } from './app-fixture.js';

/** A long-running `wunderproxy ARGS` child (e.g. `launcher`): its output so far, its JSON log lines, a stop. */
export interface Daemon {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first JSON log line whose `msg` is `msg`; rejects when the child exits first or on timeout. */
  logged(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and resolves with how the child ended (SIGKILL after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startDaemon(args: string[], env: NodeJS.ProcessEnv): Daemon {
  const child = spawn(process.execPath, [cliMain, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  const lines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async logged(msg, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines().find((line) => line.msg === msg);
        if (found) return found;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          const why = child.exitCode !== null || child.signalCode !== null ? 'exited' : `timed out (${timeoutMs} ms)`;
          throw new Error(`no "${msg}" log line: ${why}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
