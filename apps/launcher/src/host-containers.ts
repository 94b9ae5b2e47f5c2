import type { AppContainerSummary, DockerClient } from '@wunderproxy/docker';
import type { BackendState } from '@wunderproxy/proxy-client';

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
  /**
   * Running (or never started) containers of the app the proxy does not point at: left by a crashed deploy. Only
   * meaningful when `backend` is the proxy's known state (a container whose host port is the proxy's is never one).
   */
  orphans: AppContainerSummary[];
  /** Stopped containers, newest first: kept for rollback. */
  kept: AppContainerSummary[];
}

/** Sorts the app's containers on this host into serving, orphans and kept. */
export async function appContainersNow(
  docker: DockerClient,
  app: string,
  backend: BackendState | null,
): Promise<AppContainersNow> {
  const containers = await docker.listAppContainers(app);
  const port = loopbackPort(backend);
  const serving = containers.find((c) => c.state === 'running' && port !== undefined && c.hostPort === port);
  // Never an orphan: a container the proxy's URL points at, whatever the engine says of its state just now.
  const orphans = containers.filter(
    (c) =>
      c !== serving &&
      (port === undefined || c.hostPort !== port) &&
      (c.state === 'running' || c.state === 'created' || c.state === 'restarting'),
  );
  const kept = containers.filter((c) => c !== serving && !orphans.includes(c));
  return { serving, orphans, kept };
}

/**
 * Keeps the `retain` most recently stopped containers for rollback and removes older ones, then their images when nothing
 * kept needs them. An image is never removed while it is (by reference or by id) the image of a remaining container
 * of the app (the running one, the kept ones) or one of `keepImages` (the running and kept deploys in the history,
 * which a rollback recreates from when their container was removed by hand). The engine also refuses to remove an
 * image another container still uses: that is reported by no removal, never forced.
 */
export async function pruneBeyond(
  docker: DockerClient,
  app: string,
  retain: number,
  keepIds: ReadonlySet<string>,
  keepImages: ReadonlySet<string> = new Set(),
): Promise<{ containers: string[]; images: string[] }> {
  const containers = await docker.listAppContainers(app);
  const stopped = containers.filter((c) => !keepIds.has(c.id) && c.state !== 'running');
  const removedContainers: string[] = [];
  const removedImages: string[] = [];
  if (stopped.length <= retain) return { containers: removedContainers, images: removedImages };
  // Kept are the containers that served last, not the last created: a rollback restarts an old container, and
  // the one it retires must outrank older ones. The stop time says which served last (creation for never-started).
  const servedUntil = new Map<string, number>();
  for (const container of stopped) {
    const state = await docker.inspectState(container.id).catch(() => undefined);
    servedUntil.set(container.id, (state?.finishedAt ?? container.created).getTime());
  }
  const prune = [...stopped].sort((a, b) => servedUntil.get(b.id)! - servedUntil.get(a.id)!).slice(retain);
  for (const container of prune) {
    if (await docker.removeContainer(container.id, { force: true })) removedContainers.push(container.name);
  }
  const needed = new Set([...(await docker.listAppContainers(app)).map((c) => c.image), ...keepImages]);
  const neededIds = new Set<string>();
  for (const ref of needed) {
    const info = await docker.inspectImage(ref).catch(() => undefined);
    if (info !== undefined) neededIds.add(info.id);
  }
  for (const image of new Set(prune.map((c) => c.image))) {
    if (needed.has(image)) continue;
    const info = await docker.inspectImage(image).catch(() => undefined);
    // gone already, or the same image under another name: another tag of a kept deploy's image stays too
    if (info === undefined || neededIds.has(info.id)) continue;
    try {
      if (await docker.removeImage(image)) removedImages.push(image);
    } catch {
      // used by a container of another app, or by a tag: not ours to force
    }
  }
  return { containers: removedContainers, images: removedImages };
}
