import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, ListBucketsCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

/**
 * A real S3 API for integration tests: OpenStack Swift with its s3api middleware (Debian's python3-swift).
 *
 * Why Swift and not an in-process fake such as s3rver: Swift is a production S3 implementation. It verifies real
 * SigV4 signatures (so a wrong secret key or a missing credential really fails), computes real multipart ETags
 * (`md5-of-part-md5s-N`), stores multipart uploads through SLO, and answers loudly (501) for what it does not
 * support instead of silently storing garbage (s3rver stores `aws-chunked` framing as object data).
 *
 * Cost: about 2 s to build rings and start 5 processes (memcached, account, container, object, proxy servers).
 */
export interface S3Server {
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** AWS_* env vars pointing the SDK's default chain and AWS_ENDPOINT_URL_S3 at this server, for child processes */
  readonly env: Record<string, string>;
  createBucket(name: string): Promise<void>;
  putObject(bucket: string, key: string, body: string | Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's swift module is importable only by the system python, not by a pyenv `python3` on PATH. */
const SYSTEM_PYTHON = '/usr/bin/python3';

/** Same relative path from src/swift.ts and dist/swift.js: the script is not copied into dist. */
const LAUNCHER = fileURLToPath(new URL('../src/swift-server.py', import.meta.url));

const START_TIMEOUT_MS = 60_000;

interface LauncherReport {
  ports: { proxy: number };
  pids: number[];
}

export async function startSwift(): Promise<S3Server> {
  const dir = mkdtempSync(join(tmpdir(), 'wp-swift-'));
  const started = Date.now();
  // Own process group, so stop() can signal memcached and all four servers at once.
  const child = spawn(SYSTEM_PYTHON, [LAUNCHER, 'supervise', dir], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  // SIGTERM, not SIGKILL: the supervisor then reaps its children (no zombies under an init that does not reap).
  const killGroupOnExit = (): void => killGroup(child, 'SIGTERM');
  process.once('exit', killGroupOnExit);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killGroupOnExit);
    await stopGroup(child);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const report = await readLauncherReport(child, dir);
    const endpoint = `http://127.0.0.1:${report.ports.proxy}`;
    const credentials = { accessKeyId: 'test:tester', secretAccessKey: 'testing' };
    const region = 'us-east-1';
    const client = new S3Client({
      endpoint,
      region,
      credentials,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await waitUntilS3Answers(client, child, dir, started);
    // Detach from the event loop: a test file that forgets stop() must still be able to exit (then 'exit' kills).
    unrefChild(child);

    const stopServer = stop;
    return {
      endpoint,
      region,
      ...credentials,
      env: {
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ENDPOINT_URL_S3: endpoint,
        // Swift answers 501 to aws-chunked uploads with trailing checksums (ENVIRONMENT.md).
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      async createBucket(name: string): Promise<void> {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      },
      async putObject(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
        await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      },
      async stop(): Promise<void> {
        client.destroy();
        await stopServer();
      },
    } satisfies S3Server;
  } catch (error) {
    await stop();
    throw error;
  }
}

async function readLauncherReport(child: ChildProcess, dir: string): Promise<LauncherReport> {
  return await new Promise<LauncherReport>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const fail = (why: string): void =>
      reject(new Error(`swift did not start: ${why}\n${stderr}${serverLogTail(dir)}`.trimEnd()));
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      try {
        resolve(JSON.parse(stdout.slice(0, newline)) as LauncherReport);
      } catch {
        fail(`unexpected launcher output ${JSON.stringify(stdout.slice(0, newline))}`);
      }
    });
    child.once('error', (error) => fail(`cannot run ${SYSTEM_PYTHON} (is python3-swift installed?): ${error.message}`));
    child.once('exit', (code, signal) => fail(`launcher exited (${signal ?? code})`));
  });
}

async function waitUntilS3Answers(client: S3Client, child: ChildProcess, dir: string, started: number): Promise<void> {
  let lastError: unknown;
  while (Date.now() - started < START_TIMEOUT_MS) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      await client.send(new ListBucketsCommand({}));
      return;
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const why = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : 'launcher exited';
  throw new Error(`swift did not answer S3 within ${START_TIMEOUT_MS} ms (${why})\n${serverLogTail(dir)}`.trimEnd());
}

function serverLogTail(dir: string): string {
  try {
    return readFileSync(join(dir, 'servers.log'), 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '';
  }
}

function unrefChild(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket | null)?.unref();
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return;
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(true), 5_000)),
  ]);
  // The supervisor waits for its children before exiting; anything left after that (or a hung stop) gets SIGKILL.
  killGroup(child, 'SIGKILL');
  if (timedOut) await exited;
}
