import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class CommandFailedError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command} failed: ${stderr.trim().slice(-2000)}`);
    this.name = 'CommandFailedError';
  }
}

/** Runs a real CLI (docker, skopeo) and returns its stdout; rejects with its stderr. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOCKER_BUILDKIT: '0' } },
      (error, stdout, stderr) => {
        if (error) reject(new CommandFailedError(`${command} ${args.join(' ')}`, `${stderr}\n${error.message}`));
        else resolve(stdout);
      },
    );
  });
}

export interface TestImageOptions {
  /** What the image prints when run (`busybox echo`). */
  message: string;
  /** Bytes of random (incompressible) payload in a second layer; none when 0 or absent. */
  payloadBytes?: number;
}

/**
 * Builds a tiny image with the classic builder: `FROM scratch`, the host's static busybox, an optional random payload.
 * Nothing can be pulled here, so every test image is built this way.
 */
export async function buildTestImage(tag: string, options: TestImageOptions): Promise<void> {
  const context = await mkdtemp(join(tmpdir(), 'wpreg-image-'));
  try {
    await copyFile('/bin/busybox', join(context, 'busybox'));
    const lines = ['FROM scratch', 'COPY busybox /bin/busybox'];
    if (options.payloadBytes) {
      await writeFile(join(context, 'payload.bin'), await randomFile(options.payloadBytes));
      lines.push('COPY payload.bin /payload.bin');
    }
    lines.push(`CMD ["/bin/busybox", "echo", ${JSON.stringify(options.message)}]`);
    await writeFile(join(context, 'Dockerfile'), `${lines.join('\n')}\n`);
    await run('docker', ['build', '-q', '-t', tag, context]);
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

async function randomFile(size: number): Promise<Buffer> {
  return randomBytes(size);
}

/** Removes image references this test created; never touches anything else. */
export async function removeImages(references: Iterable<string>): Promise<void> {
  for (const reference of references) {
    await run('docker', ['rmi', reference]).catch(() => undefined);
  }
}

export function skopeo(args: readonly string[]): Promise<string> {
  return run('skopeo', args);
}
