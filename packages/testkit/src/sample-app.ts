import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type Dockerode from 'dockerode';
import { pack } from 'tar-stream';
import { dockerClient, ensureDocker } from './docker-engine.js';

/** Every image the testkit builds carries this label, so leftovers can be found and removed. */
export const TEST_LABEL = 'wunderproxy.test';

export interface SampleAppOptions {
  /** Image reference to tag the result with, e.g. `sample-app:v1` or `127.0.0.1:5000/sample-app:v2`. */
  tag: string;
  /** Served as `sample-app VERSION` at `/`, so a test tells deploys apart by the body. */
  version: string;
  /** false: no /www/health, so a health check on /health gets 404 forever. Default true. */
  healthy?: boolean;
  /** Extra image labels (besides wunderproxy.test=1). */
  labels?: Record<string, string>;
  /** Extra files under /www, name → content. */
  files?: Record<string, string>;
  docker?: Dockerode;
}

/** Where busybox comes from: Debian's busybox-static is one static binary, so it runs in a scratch image. */
const BUSYBOX = '/bin/busybox';

function dockerfile(): string {
  return [
    'FROM scratch',
    'COPY bin /bin',
    'COPY www /www',
    'EXPOSE 8080',
    'CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/www"]',
    '',
  ].join('\n');
}

async function buildContext(options: SampleAppOptions): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  let busybox: Buffer;
  try {
    busybox = readFileSync(BUSYBOX);
  } catch {
    throw new Error(`${BUSYBOX} is missing: run \`apt-get install -y busybox-static\``);
  }
  tar.entry({ name: 'Dockerfile' }, dockerfile());
  tar.entry({ name: 'bin', type: 'directory', mode: 0o755 });
  tar.entry({ name: 'bin/busybox', mode: 0o755 }, busybox);
  // `sh -c` and `sleep` in a container's cmd then work as in any image.
  for (const applet of ['sh', 'sleep', 'echo', 'cat']) {
    tar.entry({ name: `bin/${applet}`, type: 'symlink', linkname: 'busybox' });
  }
  tar.entry({ name: 'www', type: 'directory', mode: 0o755 });
  tar.entry({ name: 'www/index.html' }, `sample-app ${options.version}\n`);
  if (options.healthy !== false) tar.entry({ name: 'www/health' }, 'ok\n');
  for (const [name, content] of Object.entries(options.files ?? {})) tar.entry({ name: `www/${name}` }, content);
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

interface BuildMessage {
  stream?: string;
  error?: string;
  aux?: { ID?: string };
}

/** Builds the sample app image and returns its id (`sha256:…`). */
export async function buildSampleApp(options: SampleAppOptions): Promise<string> {
  const docker = options.docker ?? dockerClient();
  const context = await buildContext(options);
  const stream = await docker.buildImage(Readable.from([context]), {
    t: options.tag,
    labels: { [TEST_LABEL]: '1', ...options.labels },
    rm: true,
  });
  const messages = await new Promise<BuildMessage[]>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, result: BuildMessage[]) =>
      error ? reject(error) : resolve(result),
    );
  });
  const failure = messages.find((m) => m.error);
  if (failure) throw new Error(`building ${options.tag} failed: ${failure.error}`);
  const id = messages.find((m) => m.aux?.ID)?.aux?.ID;
  return id ?? (await docker.getImage(options.tag).inspect()).Id;
}

/** Removes the given image tags; missing ones are fine (cleanup runs after failed tests too). */
export async function removeImages(tags: readonly string[], docker: Dockerode = dockerClient()): Promise<void> {
  for (const tag of tags) {
    try {
      await docker.getImage(tag).remove({ force: true });
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
}

/** `node dist/sample-app.js TAG VERSION [--unhealthy]`: builds the image for the README's demo. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const [tag, version] = argv.filter((a) => !a.startsWith('--'));
  if (!tag || !version) {
    throw new Error('usage: sample-app TAG VERSION [--unhealthy]   e.g. sample-app sample-app:v1 v1');
  }
  await ensureDocker();
  const id = await buildSampleApp({ tag, version, healthy: !argv.includes('--unhealthy') });
  process.stdout.write(`${tag} ${id}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
