import { type Connection, connect, type DockerClientOptions } from './connection.js';
import type {
  AppContainer,
  AppContainerSpec,
  AppContainerSummary,
  ContainerState,
  CreatedContainer,
} from './containers.js';
import * as containers from './containers.js';
import { DockerUnavailableError } from './errors.js';
import type { EnsuredImage, EnsureImageOptions, ImageInfo, PullOptions } from './images.js';
import * as images from './images.js';
import type { LogChunk } from './logs.js';
import * as logs from './logs.js';

export type { DockerClientOptions };

/**
 * The launcher's view of one Docker engine. The dockerode instance stays private, so callers depend on this
 * small API and its named errors rather than on dockerode's types.
 */
export class DockerClient {
  readonly #connection: Connection;

  constructor(options: DockerClientOptions = {}) {
    this.#connection = connect(options);
  }

  /** The socket path or host:port, for messages. */
  get where(): string {
    return this.#connection.where;
  }

  /** Resolves when the engine answers; DockerUnavailableError (saying how to start dockerd) otherwise. */
  async ping(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      // A socket file left behind by a dead dockerd can hang instead of refusing: bound the wait.
      await Promise.race([
        this.#connection.api.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (error) {
      throw new DockerUnavailableError(this.#connection.where, error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The engine's version and API version, e.g. for `wunderproxy status`. */
  async version(): Promise<{ version: string; apiVersion: string }> {
    try {
      const info = await this.#connection.api.version();
      return { version: info.Version, apiVersion: info.ApiVersion };
    } catch (error) {
      throw new DockerUnavailableError(this.#connection.where, error);
    }
  }

  ensureImage(ref: string, options?: EnsureImageOptions): Promise<EnsuredImage> {
    return images.ensureImage(this.#connection, ref, options);
  }

  pullImage(ref: string, options?: PullOptions): Promise<string> {
    return images.pullImage(this.#connection, ref, options);
  }

  pushImage(ref: string, options?: PullOptions): Promise<{ digest: string | undefined }> {
    return images.pushImage(this.#connection, ref, options);
  }

  inspectImage(ref: string): Promise<ImageInfo | undefined> {
    return images.inspectImage(this.#connection, ref);
  }

  tagImage(source: string, target: string): Promise<void> {
    return images.tagImage(this.#connection, source, target);
  }

  removeImage(ref: string, options?: { force?: boolean }): Promise<boolean> {
    return images.removeImage(this.#connection, ref, options);
  }

  createAppContainer(spec: AppContainerSpec): Promise<CreatedContainer> {
    return containers.createAppContainer(this.#connection, spec);
  }

  startAppContainer(created: CreatedContainer): Promise<AppContainer> {
    return containers.startAppContainer(this.#connection, created);
  }

  runAppContainer(spec: AppContainerSpec): Promise<AppContainer> {
    return containers.runAppContainer(this.#connection, spec);
  }

  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return containers.stopContainer(this.#connection, id, timeoutSeconds);
  }

  removeContainer(id: string, options?: { force?: boolean }): Promise<boolean> {
    return containers.removeContainer(this.#connection, id, options);
  }

  inspectState(id: string): Promise<ContainerState> {
    return containers.inspectState(this.#connection, id);
  }

  waitForExit(id: string, options?: { signal?: AbortSignal }): Promise<{ exitCode: number }> {
    return containers.waitForExit(this.#connection, id, options);
  }

  listAppContainers(app: string): Promise<AppContainerSummary[]> {
    return containers.listAppContainers(this.#connection, app);
  }

  containerLogs(id: string, lines?: number): Promise<LogChunk[]> {
    return logs.containerLogs(this.#connection, id, lines);
  }

  containerLogsTail(id: string, lines?: number): Promise<string> {
    return logs.containerLogsTail(this.#connection, id, lines);
  }
}
