export type {
  AppConfig,
  AppConfigDocument,
  ContainerConfig,
  ContainerConfigDocument,
  HealthCheckConfig,
  LogDriver,
  RegistryConfig,
  RestartPolicy,
} from './app-config.js';
export { parseByteSize } from './byte-size.js';
export { ConfigError } from './config-error.js';
export { configSchema, configSchemaPath } from './config-schema.js';
export { CONFIG_DEFAULTS } from './defaults.js';
export { parseConfig } from './parse.js';
