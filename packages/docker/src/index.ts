export type {
  AppContainer,
  AppContainerSpec,
  AppContainerSummary,
  ContainerState,
  CreatedContainer,
  LogDriver,
  RestartPolicy,
} from './containers.js';
export { containerName, LABELS } from './containers.js';
export { DockerClient, type DockerClientOptions } from './engine.js';
export {
  ContainerCreateFailedError,
  ContainerNotFoundError,
  ContainerStartFailedError,
  DockerError,
  type DockerErrorCode,
  DockerUnavailableError,
  ImageNotFoundError,
  ImagePullFailedError,
  ImagePushFailedError,
} from './errors.js';
export type { EnsuredImage, EnsureImageOptions, ImageInfo, PullOptions, RegistryAuth } from './images.js';
export { normalizeImageRef } from './images.js';
export { demultiplexLogs, type LogChunk } from './logs.js';
export {
  formatBytes,
  type ImageProgressEvent,
  type LayerPhase,
  logProgress,
  type ProgressListener,
  type ProgressRenderer,
  type TerminalOutput,
  ttyProgress,
} from './progress.js';
