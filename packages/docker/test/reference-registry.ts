import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from '@wunderproxy/testkit/ports';

/** Debian's docker-registry (the reference implementation), on a free loopback port with storage in a temp dir. */
export interface ReferenceRegistry {
  /** `127.0.0.1:PORT`, the prefix of image names that live there. */
  readonly host: string;
  stop(): Promise<void>;
}

export async function startReferenceRegistry(): Promise<ReferenceRegistry> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'wp-registry-'));
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'data')}`,
      'http:',
      `  addr: 127.0.0.1:${port}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess;
  try {
    child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`cannot run docker-registry (apt-get install -y docker-registry): ${String(error)}`);
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  try {
    await waitForPort(port, 10_000);
  } catch {
    child.kill('SIGKILL');
    throw new Error(`docker-registry did not listen on ${port}:\n${stderr}`);
  }
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
