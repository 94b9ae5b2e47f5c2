import type { BackendState } from '@wunderproxy/proxy-client';
import type { AppContainerSummary, DockerClient } from '@wunderproxy/docker';

/** The port a backend URL points at on this host, when it is a loopback URL (what the launcher publishes). */
export function loopbackPort(state: BackendState | null): number | undefined {
  if (state?.url == null) return undefined;
  const url = new URL(state.url);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') return undefined;
  return Number(url.port || 80);
}

export interface AppContainersNow {
  /** The running container the proxy points at. */
  serving: AppContainerSummary | undefined;
  /** Running (or never started) containers of the app the proxy does not point at: left by a crashed deploy. */
  orphans: AppContainerSummary[];
  /** Stopped containers, newest first: kept for rollback. */
  kept: AppContainerSummary[];
}

/** Sorts the app's containers on this host into serving, orphans and kept. */
export async function appContainersNow(docker: DockerClient, app: string, backend: BackendState | null): Promise<AppContainersNow> {
  const containers = await docker.listAppContainers(app);
  const port = loopbackPort(backend);
  const serving = containers.find((c) => c.state === 'running' && port !== undefined && c.hostPort === port);
  const orphans = containers.filter((c) => c !== serving && (c.state === 'running' || c.state === 'created' || c.state === 'restarting'));
  const kept = containers.filter((c) => c !== serving && !orphans.includes(c));
  return { serving, orphans, kept };
}

/**
 * Keeps the `retain` newest stopped containers for rollback and removes older ones, then their images when no
 * remaining container uses them (the engine refuses to remove an image a container still references, so the
 * running and kept deploys' images are never pruned).
 */
export async function pruneBeyond(
  docker: DockerClient,
  app: string,
  retain: number,
  keepIds: ReadonlySet<string>,
): Promise<{ containers: string[]; images: string[] }> {
  const containers = await docker.listAppContainers(app);
  const stopped = containers.filter((c) => !keepIds.has(c.id) && c.state !== 'running');
  const prune = stopped.slice(retain);
  const removedContainers: string[] = [];
  const removedImages: string[] = [];
  for (const container of prune) {
    if (await docker.removeContainer(container.id, { force: true })) removedContainers.push(container.name);
  }
  const stillUsed = new Set((await docker.listAppContainers(app)).map((c) => c.image));
  for (const image of new Set(prune.map((c) => c.image))) {
    if (stillUsed.has(image)) continue;
    try {
      if (await docker.removeImage(image)) removedImages.push(image);
    } catch {
      // used by a container of another app, or by a tag: not ours to force
    }
  }
  return { containers: removedContainers, images: removedImages };
}
