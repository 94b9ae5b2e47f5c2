/** Stable codes callers map to exit codes and HTTP statuses (one place each, per STYLE.md). */
export type DockerErrorCode =
  | 'DOCKER_UNAVAILABLE'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_PULL_FAILED'
  | 'IMAGE_PUSH_FAILED'
  | 'CONTAINER_CREATE_FAILED'
  | 'CONTAINER_START_FAILED'
  | 'CONTAINER_NOT_FOUND'
  | 'DOCKER_REQUEST_FAILED';

export class DockerError extends Error {
  readonly code: DockerErrorCode;
  /** The HTTP status the engine answered, when it answered at all. */
  readonly statusCode: number | undefined;

  constructor(code: DockerErrorCode, message: string, options: { cause?: unknown; statusCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = options.statusCode;
  }
}

export class DockerUnavailableError extends DockerError {
  constructor(where: string, cause?: unknown) {
    super(
      'DOCKER_UNAVAILABLE',
      `no Docker engine answers at ${where} (${describe(cause)}); start it with \`dockerd &\` ` +
        '(install it with `apt-get install -y docker.io`) or point DOCKER_HOST at a running engine',
      { cause },
    );
  }
}

export class ImageNotFoundError extends DockerError {
  constructor(ref: string, cause?: unknown) {
    super('IMAGE_NOT_FOUND', `image ${ref} is not present locally`, { cause, statusCode: 404 });
  }
}

export class ImagePullFailedError extends DockerError {
  /** What the registry (through the engine) said, verbatim. */
  readonly registryMessage: string;
  constructor(ref: string, registryMessage: string, cause?: unknown) {
    super('IMAGE_PULL_FAILED', `pulling ${ref} failed: ${registryMessage}`, { cause });
    this.registryMessage = registryMessage;
  }
}

export class ImagePushFailedError extends DockerError {
  readonly registryMessage: string;
  constructor(ref: string, registryMessage: string, cause?: unknown) {
    super('IMAGE_PUSH_FAILED', `pushing ${ref} failed: ${registryMessage}`, { cause });
    this.registryMessage = registryMessage;
  }
}

export class ContainerCreateFailedError extends DockerError {
  constructor(name: string, reason: string, cause?: unknown) {
    super('CONTAINER_CREATE_FAILED', `creating container ${name} failed: ${reason}`, {
      cause,
      statusCode: statusOf(cause),
    });
  }
}

export class ContainerStartFailedError extends DockerError {
  constructor(name: string, reason: string, cause?: unknown) {
    super('CONTAINER_START_FAILED', `starting container ${name} failed: ${reason}`, {
      cause,
      statusCode: statusOf(cause),
    });
  }
}

export class ContainerNotFoundError extends DockerError {
  constructor(id: string, cause?: unknown) {
    super('CONTAINER_NOT_FOUND', `no container ${id}`, { cause, statusCode: 404 });
  }
}

/** The engine's own message (dockerode puts the JSON body in `json`), else the error's message. */
export function describe(error: unknown): string {
  if (error === undefined) return 'no answer';
  const json = (error as { json?: unknown }).json;
  if (json && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  // Streamed requests (pull, push) carry no json: the engine's words follow dockerode's "(HTTP code N) … - ".
  if (error instanceof Error) return error.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
  return String(error);
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** Socket-level failures mean the engine itself is missing, whatever the request was. */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}
