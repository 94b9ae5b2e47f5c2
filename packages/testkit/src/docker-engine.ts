import { spawn } from 'node:child_process';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import Dockerode from 'dockerode';

const DEFAULT_SOCKET = '/var/run/docker.sock';
const START_TIMEOUT_MS = 30_000;
const EXITED_GRACE_MS = 5_000;

/** A dockerode client for DOCKER_HOST (unix:// or tcp://) or the default socket. */
export function dockerClient(env: NodeJS.ProcessEnv = process.env): Dockerode {
  const host = env.DOCKER_HOST;
  if (!host) return new Dockerode({ socketPath: DEFAULT_SOCKET });
  if (host.startsWith('unix://')) return new Dockerode({ socketPath: host.slice('unix://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Dockerode({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

/** True when the engine answers a ping within timeoutMs. */
export async function dockerAnswers(docker: Dockerode = dockerClient(), timeoutMs = 2_000): Promise<boolean> {
  try {
    // A stale socket file with no daemon behind it can hang rather than refuse: bound the wait.
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('ping timeout')), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

function findExecutable(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * Makes sure a Docker engine answers: when none does, starts dockerd detached (it must outlive the test process
 * that started it, since other test files and engineers share it) and waits up to 30 s for it.
 */
export async function ensureDocker(): Promise<void> {
  const docker = dockerClient();
  if (await dockerAnswers(docker)) return;
  // Starting dockerd only makes sense for the default socket: a DOCKER_HOST names an engine someone else runs.
  if (process.env.DOCKER_HOST && process.env.DOCKER_HOST !== `unix://${DEFAULT_SOCKET}`) {
    throw new Error(`no Docker engine answers at DOCKER_HOST=${process.env.DOCKER_HOST}; start it there`);
  }
  const dockerd = findExecutable('dockerd');
  if (!dockerd) {
    throw new Error('no Docker engine answers and dockerd is not installed: run `apt-get install -y docker.io`');
  }
  const logFile = join(mkdtempSync(join(tmpdir(), 'wp-dockerd-')), 'dockerd.log');
  const log = openSync(logFile, 'a');
  const child = spawn(dockerd, [], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exitedAt = 0;
  let exitCode: number | null = null;
  const onExit = (code: number | null): void => {
    exitedAt = Date.now();
    exitCode = code;
  };
  child.once('exit', onExit);
  child.once('error', () => onExit(-1));
  child.unref();

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await dockerAnswers(docker, 1_000)) return;
    // A parallel test worker may have started dockerd first: ours then exits (pidfile taken) while theirs comes up,
    // so an exit only counts as failure once the engine stays silent a while longer.
    const gaveUp = exitedAt > 0 && Date.now() - exitedAt > EXITED_GRACE_MS;
    if (gaveUp || Date.now() > deadline) {
      const why =
        exitedAt > 0 ? `dockerd exited with ${exitCode}` : `dockerd did not answer within ${START_TIMEOUT_MS / 1000} s`;
      throw new Error(`${why}; its log (${logFile}):\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
