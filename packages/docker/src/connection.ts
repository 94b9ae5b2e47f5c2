import Dockerode from 'dockerode';
import {
  ContainerNotFoundError,
  DockerError,
  DockerUnavailableError,
  describe,
  isConnectionError,
  statusOf,
} from './errors.js';

export interface DockerClientOptions {
  /** `unix:///path`, `tcp://host:port` or `http://host:port`; default DOCKER_HOST, then the default socket. */
  host?: string;
  env?: NodeJS.ProcessEnv;
}

/** The engine connection shared by images.ts and containers.ts; never leaves the package. */
export interface Connection {
  readonly api: Dockerode;
  /** Where the engine is, for error messages. */
  readonly where: string;
}

const DEFAULT_SOCKET = '/var/run/docker.sock';

export function connect(options: DockerClientOptions = {}): Connection {
  const host = options.host ?? (options.env ?? process.env).DOCKER_HOST ?? `unix://${DEFAULT_SOCKET}`;
  if (host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length);
    return { api: new Dockerode({ socketPath }), where: socketPath };
  }
  if (host.startsWith('/')) return { api: new Dockerode({ socketPath: host }), where: host };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  // TLS (DOCKER_TLS_VERIFY) is not wired up: the launcher talks to the local engine.
  return {
    api: new Dockerode({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' }),
    where: `${url.hostname}:${url.port || 2375}`,
  };
}

/** Turns a dockerode failure into a named error: a dead socket always means DOCKER_UNAVAILABLE. */
export function translate(connection: Connection, error: unknown, otherwise: () => DockerError): DockerError {
  if (isConnectionError(error)) return new DockerUnavailableError(connection.where, error);
  return otherwise();
}

/** A failed engine request with no more specific name: DOCKER_UNAVAILABLE on a dead socket, else DOCKER_REQUEST_FAILED. */
export function requestFailed(connection: Connection, error: unknown): DockerError {
  return translate(
    connection,
    error,
    () => new DockerError('DOCKER_REQUEST_FAILED', describe(error), { cause: error }),
  );
}

/** As requestFailed, but the engine's 404 names the container that is not there. */
export function containerNotFoundOr(connection: Connection, id: string, error: unknown): DockerError {
  if (statusOf(error) === 404) return new ContainerNotFoundError(id, error);
  return requestFailed(connection, error);
}
