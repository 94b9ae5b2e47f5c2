import { type RedisServer, startRedis } from '@wunderproxy/testkit/redis';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  appContainers,
  buildSampleImages,
  configDocument,
  launchFlags,
  removeAppContainers,
  runCli,
  type SampleImages,
  uniqueName,
  Workdir,
} from './support/app-fixture.js';
import { KeepAliveLoad } from './support/load.js';
import { startTestProxy, type TestProxy } from './support/test-proxy.js';

// One app for the whole file: v1 then v2 deployed, then deploys that must fail and leave v2 serving.
let redis: RedisServer;
let images: SampleImages;
let work: Workdir;
let proxy: TestProxy;
let flags: string[];
const name = uniqueName();
let serving: { id: string; deployId: string };

beforeAll(async () => {
  [redis, images] = await Promise.all([startRedis(), buildSampleImages(['v1', 'v2', 'v3'], ['v3'])]);
  work = new Workdir();
  proxy = await startTestProxy(name, redis.url);
  flags = launchFlags({ stateDir: work.stateDir(name), adminUrl: proxy.adminUrl, redisUrl: redis.url });
  for (const version of ['v1', 'v2']) {
    const result = await runCli([
      'launch',
      work.write(`${version}.json`, configDocument(name, { image: images.tags[version]! })),
      ...flags,
    ]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
  }
  const running = (await appContainers(name)).filter((c) => c.state === 'running');
  expect(running).toHaveLength(1);
  serving = running[0]!;
});

afterAll(async () => {
  await proxy?.close(500);
  await removeAppContainers(name);
  await images?.remove();
  await redis?.stop();
  work?.remove();
});

/** Only v2 runs and serves; v1 is kept stopped; nothing of the failed deploy is left. */
async function expectV2StillServing(): Promise<void> {
  expect((await proxy.get()).body).toBe('sample-app v2\n');
  const containers = await appContainers(name);
  expect(containers.map((c) => [c.image, c.state]).sort()).toEqual([
    [images.tags.v1, 'exited'],
    [images.tags.v2, 'running'],
  ]);
  expect(containers.find((c) => c.state === 'running')!.id).toBe(serving.id);
  const backend = (await (await fetch(`${proxy.adminUrl}/api/backend`)).json()) as { id: string };
  expect(backend.id).toBe(serving.deployId);
}

test('a health check that never passes exits 1 within timeout + 5 s with the container log; v2 keeps serving, the unhealthy container is gone', async () => {
  const timeoutSeconds = 3;
  const config = work.write(
    'v3-unhealthy.json',
    configDocument(name, {
      image: images.tags.v3!,
      // The log must reach the operator: a line at boot, then httpd's request log on stderr.
      cmd: [
        '/bin/sh',
        '-c',
        'echo "v3 booting, config from $APP_VERSION"; exec /bin/busybox httpd -f -vv -p 8080 -h /www',
      ],
      timeoutSeconds,
      intervalMs: 200,
    }),
  );
  // Light traffic (each client every 50 ms): the CLI's own start-up is part of the timeout + 5 s budget.
  const load = new KeepAliveLoad(proxy.url, 2, 50);
  load.start();
  const result = await runCli(['launch', config, ...flags]);
  const samples = await load.stop();

  expect(result.code, result.stderr + result.stdout).toBe(1);
  expect(result.durationMs).toBeLessThan((timeoutSeconds + 5) * 1000);
  expect(result.stdout).toMatch(
    /^ERROR container not healthy: no 2xx from \/health within 3 s; probes of \/health: HTTP 404 ×\d+ \d+(\.\d)? s$/m,
  );
  expect(result.stdout).toMatch(/^removed container wunderproxy-t-[0-9a-f]+-\S+; the current deploy keeps serving$/m);
  expect(result.stderr).toContain("--- last 50 lines of the container's log ---");
  expect(result.stderr).toContain('v3 booting, config from v3');
  expect(result.stderr).toContain('url:/health'); // httpd -vv logged the probes of the gate
  expect(result.stderr).toMatch(
    /^wunderproxy: container wunderproxy-t-\S+ did not become healthy: no 2xx from \/health within 3 s/m,
  );
  // Traffic never left v2.
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.filter((s) => s.body !== 'sample-app v2')).toEqual([]);
  await expectV2StillServing();
});

test('a container whose cmd exits 3 at once fails fast with "exited with code 3"', async () => {
  const config = work.write(
    'v2-crash.json',
    configDocument(name, {
      image: images.tags.v2!,
      cmd: ['/bin/sh', '-c', 'echo "missing DATABASE_URL"; exit 3'],
      timeoutSeconds: 30,
    }),
  );
  const result = await runCli(['launch', config, ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(1);
  // Far below the 30 s health timeout: the gate (or the start step) saw the exit.
  expect(result.durationMs).toBeLessThan(5_000);
  expect(result.stderr + result.stdout).toContain('exited with code 3');
  expect(result.stderr).toContain('missing DATABASE_URL');
  await expectV2StillServing();
});

test('the health gate stops as soon as a container that was starting exits, long before its timeout', async () => {
  const config = work.write(
    'v2-dies-later.json',
    configDocument(name, {
      image: images.tags.v2!,
      cmd: ['/bin/sh', '-c', 'sleep 1; echo "out of memory"; exit 3'],
      timeoutSeconds: 30,
      intervalMs: 1000,
    }),
  );
  const result = await runCli(['launch', config, ...flags]);
  expect(result.code, result.stderr + result.stdout).toBe(1);
  expect(result.stdout).toMatch(
    /^ERROR container not healthy: container exited with code 3 before it was healthy; probes of \/health: (ECONN\w+|socket hang up) ×\d+(, (ECONN\w+|socket hang up) ×\d+)* \d+(\.\d)? (s|ms)$/m,
  );
  const health = /^ERROR container not healthy: .* (\d+(?:\.\d)?) (s|ms)$/m.exec(result.stdout)!;
  const healthMs = Number(health[1]) * (health[2] === 's' ? 1000 : 1);
  // ~1 s until the exit, then at most one interval (1 s) more; nowhere near the 30 s timeout.
  expect(healthMs).toBeLessThan(2_500);
  expect(result.stderr).toContain('out of memory');
  await expectV2StillServing();
});

test('with --log-format json a failed deploy still prints only JSON lines on stdout, the failed step with ok: false', async () => {
  const config = work.write(
    'v2-crash-json.json',
    configDocument(name, { image: images.tags.v2!, cmd: ['/bin/sh', '-c', 'sleep 0.5; exit 3'], timeoutSeconds: 30 }),
  );
  const result = await runCli(['launch', config, ...flags, '--log-format', 'json']);
  expect(result.code, result.stderr + result.stdout).toBe(1);
  const lines = result.stdout
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { step: string; ok: boolean; message: string; durationMs: number });
  const failed = lines.filter((line) => !line.ok);
  expect(failed).toEqual([
    expect.objectContaining({ step: 'health', message: expect.stringContaining('container exited with code 3') }),
  ]);
  expect(lines.at(-1)).toMatchObject({ step: 'cleanup', ok: true });
  expect(result.stderr).toMatch(/^wunderproxy: container \S+ did not become healthy: container exited with code 3/m);
  await expectV2StillServing();
});
