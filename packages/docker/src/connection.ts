import Dockerode from 'dockerode';
import { type DockerError, DockerUnavailableError, isConnectionError } from './errors.js';

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
