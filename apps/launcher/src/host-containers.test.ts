import type { AppContainerSummary, DockerClient, ImageInfo } from '@wunderproxy/docker';
import { describe, expect, test } from 'vitest';
import { appContainersNow, loopbackPort, pruneBeyond } from './host-containers.js';

interface FakeContainer {
  id: string;
  image: string;
  state: string;
  /** seconds */
  created: number;
  stopped?: number;
  hostPort?: number;
}

/** The engine as pruneBeyond sees it: containers of one app, images by reference and id, removals recorded. */
function fakeDocker(containers: FakeContainer[], images: Record<string, string>) {
  const removedImages: string[] = [];
  const docker = {
    listAppContainers: async (): Promise<AppContainerSummary[]> =>
      containers
        .map((c) => ({
          id: c.id,
          name: `wunderproxy-app-${c.id}`,
          deployId: c.id,
          state: c.state,
          created: new Date(c.created * 1000),
          image: c.image,
          hostPort: c.hostPort ?? null,
          labels: {},
        }))
        .sort((a, b) => b.created.getTime() - a.created.getTime()),
    inspectState: async (id: string) => {
      const c = containers.find((x) => x.id === id)!;
      return { finishedAt: c.stopped === undefined ? null : new Date(c.stopped * 1000) };
    },
    removeContainer: async (id: string) => {
      const index = containers.findIndex((c) => c.id === id);
      if (index < 0) return false;
      containers.splice(index, 1);
      return true;
    },
    inspectImage: async (ref: string): Promise<ImageInfo | undefined> =>
      images[ref] === undefined ? undefined : ({ id: images[ref] } as ImageInfo),
    removeImage: async (ref: string) => {
      if (images[ref] === undefined) return false;
      delete images[ref];
      removedImages.push(ref);
      return true;
    },
  };
  return { docker: docker as unknown as DockerClient, containers, removedImages };
}

describe('pruneBeyond', () => {
  test('keeps the N containers stopped last (not the N created last) and removes the image only the pruned used', async () => {
    const { docker, containers, removedImages } = fakeDocker(
      [
        { id: 'a', image: 'app:a', state: 'exited', created: 1, stopped: 50 }, // rolled back to, then retired last
        { id: 'b', image: 'app:b', state: 'exited', created: 2, stopped: 10 },
        { id: 'c', image: 'app:c', state: 'exited', created: 3, stopped: 40 },
        { id: 'd', image: 'app:d', state: 'running', created: 4 },
      ],
      { 'app:a': 'sha256:a', 'app:b': 'sha256:b', 'app:c': 'sha256:c', 'app:d': 'sha256:d' },
    );
    const pruned = await pruneBeyond(docker, 'app', 2, new Set(['d']));
    expect(pruned).toEqual({ containers: ['wunderproxy-app-b'], images: ['app:b'] });
    expect(containers.map((c) => c.id).sort()).toEqual(['a', 'c', 'd']);
    expect(removedImages).toEqual(['app:b']);
  });

  test('never removes the image of the running or a kept deploy, by reference, by id, or from the history', async () => {
    const { docker, removedImages } = fakeDocker(
      [
        { id: 'old1', image: 'app:v1', state: 'exited', created: 1, stopped: 1 }, // the running one's image
        { id: 'old2', image: 'app:v2-alias', state: 'exited', created: 2, stopped: 2 }, // another name of kept's image
        { id: 'old3', image: 'app:v3', state: 'exited', created: 3, stopped: 3 }, // a kept deploy whose container is gone
        { id: 'old4', image: 'app:v4', state: 'exited', created: 4, stopped: 4 }, // nobody's: goes
        { id: 'kept', image: 'app:v2', state: 'exited', created: 5, stopped: 9 },
        { id: 'run', image: 'app:v1', state: 'running', created: 6 },
      ],
      {
        'app:v1': 'sha256:1',
        'app:v2': 'sha256:2',
        'app:v2-alias': 'sha256:2',
        'app:v3': 'sha256:3',
        'app:v4': 'sha256:4',
      },
    );
    const pruned = await pruneBeyond(docker, 'app', 1, new Set(['run']), new Set(['app:v1', 'app:v3']));
    expect(pruned.containers.sort()).toEqual([
      'wunderproxy-app-old1',
      'wunderproxy-app-old2',
      'wunderproxy-app-old3',
      'wunderproxy-app-old4',
    ]);
    expect(removedImages).toEqual(['app:v4']);
  });

  test('does nothing (and asks nothing) within the retain count', async () => {
    const { docker, removedImages } = fakeDocker([{ id: 'a', image: 'app:a', state: 'exited', created: 1 }], {
      'app:a': 'sha256:a',
    });
    expect(await pruneBeyond(docker, 'app', 1, new Set())).toEqual({ containers: [], images: [] });
    expect(await pruneBeyond(docker, 'app', 0, new Set())).toEqual({
      containers: ['wunderproxy-app-a'],
      images: ['app:a'],
    });
    expect(removedImages).toEqual(['app:a']);
  });
});

describe('appContainersNow', () => {
  test('sorts containers into the one the proxy points at, orphans and kept', async () => {
    const { docker } = fakeDocker(
      [
        { id: 'serving', image: 'i', state: 'running', created: 3, hostPort: 32770 },
        { id: 'orphan', image: 'i', state: 'running', created: 4, hostPort: 32771 },
        { id: 'kept', image: 'i', state: 'exited', created: 2 },
      ],
      {},
    );
    const now = await appContainersNow(docker, 'app', {
      url: 'http://127.0.0.1:32770',
      maintenance: false,
      since: '',
      id: 'x',
    });
    expect(now.serving?.id).toBe('serving');
    expect(now.orphans.map((c) => c.id)).toEqual(['orphan']);
    expect(now.kept.map((c) => c.id)).toEqual(['kept']);
    expect(loopbackPort({ url: 'http://10.0.0.5:80', maintenance: false, since: '', id: 'x' })).toBeUndefined();
  });

  test('a restarting container on the port the proxy points at is never an orphan', async () => {
    const { docker } = fakeDocker(
      [
        { id: 'serving', image: 'i', state: 'restarting', created: 3, hostPort: 32770 },
        { id: 'orphan', image: 'i', state: 'running', created: 4, hostPort: 32771 },
      ],
      {},
    );
    const now = await appContainersNow(docker, 'app', {
      url: 'http://127.0.0.1:32770',
      maintenance: false,
      since: '',
      id: 'x',
    });
    expect(now.serving).toBeUndefined();
    expect(now.orphans.map((c) => c.id)).toEqual(['orphan']);
  });
});
