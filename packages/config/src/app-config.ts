/**
 * The config document exactly as written (JSON), mirroring schema/wunderproxy-config.schema.json. Fields with
 * defaults are optional here; consumers get {@link AppConfig} from `parseConfig` instead.
 */
export interface AppConfigDocument {
  $schema?: string;
  name: string;
  image: string;
  container: ContainerConfigDocument;
  healthCheck?: {
    path?: string;
    timeoutSeconds?: number;
    intervalMs?: number;
  };
  registry?: {
    bucket?: string;
  };
}

export interface ContainerConfigDocument {
  port: number;
  env?: Record<string, string>;
  cmd?: string[];
  entrypoint?: string[];
  workdir?: string;
  labels?: Record<string, string>;
  volumes?: string[];
  binds?: string[];
  /** Bytes, or a size like "512m". */
  memory?: number | string;
  cpus?: number;
  restartPolicy?: string;
  network?: string;
  user?: string;
  extraHosts?: string[];
  logDriver?: { type: string; options?: Record<string, string> };
  init?: boolean;
  stopTimeoutSeconds?: number;
}

/** A validated config with every default applied: only fields without a default can be absent. */
export interface AppConfig {
  /** Safe for Redis keys and container names: lowercase letters, digits, - and _. */
  readonly name: string;
  readonly image: string;
  readonly container: ContainerConfig;
  readonly healthCheck: HealthCheckConfig;
  readonly registry: RegistryConfig;
}

export interface ContainerConfig {
  /** The port inside the container. */
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
  /** Absent: the image's CMD. */
  readonly cmd?: readonly string[];
  /** Absent: the image's ENTRYPOINT. */
  readonly entrypoint?: readonly string[];
  readonly workdir?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `volumes` and `binds` of the document joined, each "host:container[:ro|rw]" (docker's HostConfig.Binds). */
  readonly volumes: readonly string[];
  /** The document's `memory` in bytes. */
  readonly memoryBytes?: number;
  readonly cpus?: number;
  readonly restartPolicy: RestartPolicy;
  readonly network?: string;
  readonly user?: string;
  /** Each "host:ip" (docker's HostConfig.ExtraHosts). */
  readonly extraHosts: readonly string[];
  readonly logDriver?: LogDriver;
  readonly init: boolean;
  readonly stopTimeoutSeconds: number;
}

/** Shaped like docker's HostConfig.RestartPolicy; maximumRetryCount is 0 unless name is on-failure:N. */
export interface RestartPolicy {
  readonly name: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  readonly maximumRetryCount: number;
}

export interface LogDriver {
  readonly type: string;
  readonly options: Readonly<Record<string, string>>;
}

export interface HealthCheckConfig {
  readonly path: string;
  readonly timeoutSeconds: number;
  readonly intervalMs: number;
}

export interface RegistryConfig {
  /** `s3://bucket/prefix`; absent: the registry stores on local disk. */
  readonly bucket?: string;
}
