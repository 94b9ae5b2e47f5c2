import type { ContainerCreateOptions, ContainerInspectInfo } from 'dockerode';
import type { Connection } from './connection.js';
import { containerNotFoundOr, requestFailed, translate } from './connection.js';
import { ContainerCreateFailedError, ContainerStartFailedError, describe, statusOf } from './errors.js';
import { containerLogsTail } from './logs.js';

/** Labels every launcher container carries, so the launcher finds its own containers and nothing else. */
export const LABELS = {
  name: 'wunderproxy.name',
  deploy: 'wunderproxy.deploy',
  configHash: 'wunderproxy.config-hash',
  /** The port inside the container: tells which published port is the app's when listing. */
  port: 'wunderproxy.port',
} as const;

export type RestartPolicy = 'no' | 'always' | 'unless-stopped' | 'on-failure' | `on-failure:${number}`;

export interface LogDriver {
  type: string;
  options?: Record<string, string>;
}

export interface AppContainerSpec {
  /** The app's name (config `name`): becomes part of the container name and the `wunderproxy.name` label. */
  name: string;
  deployId: string;
  image: string;
  /** TCP port inside the container, published on 127.0.0.1 with a host port Docker picks. */
  port?: number;
  env?: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  labels?: Record<string, string>;
  configHash?: string;
  /** docker -v syntax: `/host:/container[:ro]` or `volume:/container`. */
  binds?: string[];
  /** Bytes. */
  memory?: number;
  /** Fractional CPUs, e.g. 0.5. */
  cpus?: number;
  restart?: RestartPolicy;
  networkMode?: string;
  user?: string;
  /** `host:ip`, as docker's --add-host. */
  extraHosts?: string[];
  logDriver?: LogDriver;
  /** Runs docker-init as PID 1, which forwards SIGTERM to apps that would ignore it as PID 1. */
  init?: boolean;
  /** Seconds `docker stop` waits after SIGTERM before SIGKILL. */
  stopTimeout?: number;
  workdir?: string;
}

export interface CreatedContainer {
  id: string;
  name: string;
  deployId: string;
}

export interface AppContainer extends CreatedContainer {
  /** The published host port on 127.0.0.1; null when the spec had no port. */
  hostPort: number | null;
}

export interface ContainerState {
  status: string;
  running: boolean;
  exitCode: number;
  oomKilled: boolean;
  /** The engine's error for a container that failed to start, else ''. */
  error: string;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface AppContainerSummary {
  id: string;
  name: string;
  deployId: string;
  /** `running`, `exited`, `created`, … */
  state: string;
  created: Date;
  image: string;
  hostPort: number | null;
  labels: Record<string, string>;
}

/** Docker's rule for container names. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function containerName(app: string, deployId: string): string {
  return `wunderproxy-${app}-${deployId}`;
}

function restartPolicy(policy: RestartPolicy): { Name: string; MaximumRetryCount?: number } {
  const match = /^on-failure(?::(\d+))?$/.exec(policy);
  if (match) return { Name: 'on-failure', MaximumRetryCount: Number(match[1] ?? 0) };
  return { Name: policy };
}

/** The engine request for a spec; separate so the mapping is visible in one place. */
export function createOptions(spec: AppContainerSpec): ContainerCreateOptions {
  const portKey = spec.port === undefined ? undefined : `${spec.port}/tcp`;
  const labels: Record<string, string> = {
    ...spec.labels,
    [LABELS.name]: spec.name,
    [LABELS.deploy]: spec.deployId,
    ...(spec.configHash ? { [LABELS.configHash]: spec.configHash } : {}),
    ...(spec.port === undefined ? {} : { [LABELS.port]: String(spec.port) }),
  };
  const publish = portKey !== undefined && spec.networkMode !== 'host';
  return {
    name: containerName(spec.name, spec.deployId),
    Image: spec.image,
    Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
    Labels: labels,
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    ...(spec.workdir ? { WorkingDir: spec.workdir } : {}),
    ...(spec.stopTimeout !== undefined ? { StopTimeout: spec.stopTimeout } : {}),
    ...(publish ? { ExposedPorts: { [portKey]: {} } } : {}),
    HostConfig: {
      // HostPort '' lets Docker pick a free port atomically; choosing one ourselves would race other deploys.
      ...(publish ? { PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] } } : {}),
      ...(spec.binds ? { Binds: spec.binds } : {}),
      ...(spec.memory !== undefined ? { Memory: spec.memory } : {}),
      ...(spec.cpus !== undefined ? { NanoCpus: Math.round(spec.cpus * 1e9) } : {}),
      ...(spec.restart ? { RestartPolicy: restartPolicy(spec.restart) } : {}),
      ...(spec.networkMode ? { NetworkMode: spec.networkMode } : {}),
      ...(spec.extraHosts ? { ExtraHosts: spec.extraHosts } : {}),
      ...(spec.logDriver ? { LogConfig: { Type: spec.logDriver.type, Config: spec.logDriver.options ?? {} } } : {}),
      ...(spec.init !== undefined ? { Init: spec.init } : {}),
    },
  };
}

export async function createAppContainer(connection: Connection, spec: AppContainerSpec): Promise<CreatedContainer> {
  const name = containerName(spec.name, spec.deployId);
  if (!NAME_PATTERN.test(name)) {
    throw new ContainerCreateFailedError(name, 'app name and deploy id may only contain [a-zA-Z0-9_.-]');
  }
  try {
    const container = await connection.api.createContainer(createOptions(spec));
    return { id: container.id, name, deployId: spec.deployId };
  } catch (error) {
    throw translate(connection, error, () => new ContainerCreateFailedError(name, describe(error), error));
  }
}

function publishedPort(info: ContainerInspectInfo, port: number | undefined): number | null {
  if (port === undefined) return null;
  if (info.HostConfig.NetworkMode === 'host') return port;
  const bindings = info.NetworkSettings.Ports?.[`${port}/tcp`] ?? [];
  const binding = bindings.find((b) => b.HostIp === '127.0.0.1') ?? bindings[0];
  return binding?.HostPort ? Number(binding.HostPort) : null;
}

/** Starts a created container and reads back the host port Docker chose. */
export async function startAppContainer(connection: Connection, created: CreatedContainer): Promise<AppContainer> {
  const container = connection.api.getContainer(created.id);
  try {
    await container.start();
  } catch (error) {
    throw translate(connection, error, () => new ContainerStartFailedError(created.name, describe(error), error));
  }
  const info = await inspect(connection, created.id);
  const port = info.Config.Labels?.[LABELS.port];
  const hostPort = publishedPort(info, port === undefined ? undefined : Number(port));
  if (port !== undefined && hostPort === null) {
    // Ports vanish when the process dies at once (bad cmd, missing env): say why while the logs still exist.
    const reason = info.State.Running
      ? `port ${port}/tcp was not published`
      : `it exited with code ${info.State.ExitCode} right after starting; last log lines:\n${await containerLogsTail(connection, created.id, 20).catch(() => '(none)')}`;
    throw new ContainerStartFailedError(created.name, reason.trimEnd());
  }
  return { ...created, hostPort };
}

/** Create then start; a container that fails to start is removed, so a failed deploy leaves nothing behind. */
export async function runAppContainer(connection: Connection, spec: AppContainerSpec): Promise<AppContainer> {
  const created = await createAppContainer(connection, spec);
  try {
    return await startAppContainer(connection, created);
  } catch (error) {
    await removeContainer(connection, created.id, { force: true }).catch(() => undefined);
    throw error;
  }
}

async function inspect(connection: Connection, id: string): Promise<ContainerInspectInfo> {
  try {
    return await connection.api.getContainer(id).inspect();
  } catch (error) {
    throw containerNotFoundOr(connection, id, error);
  }
}

/** docker stop: SIGTERM (or the image's stop signal), SIGKILL after timeoutSeconds. Stopping a stopped one is fine. */
export async function stopContainer(connection: Connection, id: string, timeoutSeconds: number): Promise<void> {
  try {
    await connection.api.getContainer(id).stop({ t: timeoutSeconds });
  } catch (error) {
    if (statusOf(error) === 304) return;
    throw containerNotFoundOr(connection, id, error);
  }
}

/** Removes the container and its anonymous volumes. False when it was already gone. */
export async function removeContainer(
  connection: Connection,
  id: string,
  options: { force?: boolean } = {},
): Promise<boolean> {
  try {
    await connection.api.getContainer(id).remove({ force: options.force ?? false, v: true });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) return false;
    throw containerNotFoundOr(connection, id, error);
  }
}

export async function inspectState(connection: Connection, id: string): Promise<ContainerState> {
  const { State: state } = await inspect(connection, id);
  const date = (value: string): Date | null => (!value || value.startsWith('0001-') ? null : new Date(value));
  return {
    status: state.Status,
    running: state.Running,
    exitCode: state.ExitCode,
    oomKilled: state.OOMKilled,
    error: state.Error ?? '',
    startedAt: date(state.StartedAt),
    finishedAt: date(state.FinishedAt),
  };
}

/** Resolves with the exit code once the container stops (at once if it has); a health gate races this. */
export async function waitForExit(
  connection: Connection,
  id: string,
  options: { signal?: AbortSignal } = {},
): Promise<{ exitCode: number }> {
  try {
    const result = (await connection.api
      .getContainer(id)
      .wait({ condition: 'not-running', ...(options.signal ? { abortSignal: options.signal } : {}) })) as {
      StatusCode: number;
    };
    return { exitCode: result.StatusCode };
  } catch (error) {
    throw containerNotFoundOr(connection, id, error);
  }
}

/** Every container of one app (any state), newest first. */
export async function listAppContainers(connection: Connection, app: string): Promise<AppContainerSummary[]> {
  let list: Awaited<ReturnType<Connection['api']['listContainers']>>;
  try {
    list = await connection.api.listContainers({ all: true, filters: { label: [`${LABELS.name}=${app}`] } });
  } catch (error) {
    throw requestFailed(connection, error);
  }
  return list
    .map((c) => {
      const port = Number(c.Labels[LABELS.port]);
      const published = c.Ports.find((p) => p.PrivatePort === port && p.Type === 'tcp' && p.PublicPort);
      return {
        id: c.Id,
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        deployId: c.Labels[LABELS.deploy] ?? '',
        state: c.State,
        created: new Date(c.Created * 1000),
        image: c.Image,
        hostPort: published?.PublicPort ?? null,
        labels: c.Labels,
      };
    })
    .sort((a, b) => b.created.getTime() - a.created.getTime());
}
