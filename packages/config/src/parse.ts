import { Ajv } from 'ajv';
import type { AppConfig, AppConfigDocument, RestartPolicy } from './app-config.js';
import { parseByteSize } from './byte-size.js';
import { ConfigError } from './config-error.js';
import { configSchema } from './config-schema.js';
import { CONFIG_DEFAULTS } from './defaults.js';
import { parseJson } from './json-syntax.js';
import { describeSchemaErrors } from './schema-problems.js';

// verbose: errors carry the offending value, which every message shows.
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false });
// Annotation only: the wording of "expected …" in error messages.
ajv.addKeyword('x-expected');
const validateDocument = ajv.compile<AppConfigDocument>(configSchema);

/**
 * Parses and validates a config document (JSON text) and applies every default. `source` (a path or URL) only
 * appears in error messages. Throws {@link ConfigError} listing every problem found.
 */
export function parseConfig(text: string, source: string): AppConfig {
  const json = parseJson(text.replace(/^\uFEFF/, ''));
  if (!json.ok) throw new ConfigError(source, [json.problem]);
  if (!validateDocument(json.value)) {
    throw new ConfigError(source, describeSchemaErrors(validateDocument.errors ?? [], configSchema));
  }
  const document = json.value;

  const container = document.container;
  const memoryBytes = container.memory === undefined ? undefined : parseByteSize(container.memory);
  if (container.memory !== undefined && memoryBytes === undefined) {
    const expected = configSchema.properties?.container?.properties?.memory?.['x-expected'];
    throw new ConfigError(source, [`container.memory: expected ${expected}, got ${JSON.stringify(container.memory)}`]);
  }
  const healthCheck = document.healthCheck ?? {};
  const logDriver = container.logDriver;

  return {
    name: document.name,
    image: document.image,
    container: {
      port: container.port,
      env: container.env ?? {},
      cmd: container.cmd,
      entrypoint: container.entrypoint,
      workdir: container.workdir,
      labels: container.labels ?? {},
      volumes: [...(container.volumes ?? []), ...(container.binds ?? [])],
      memoryBytes,
      cpus: container.cpus,
      restartPolicy: parseRestartPolicy(container.restartPolicy ?? CONFIG_DEFAULTS.container.restartPolicy),
      network: container.network,
      user: container.user,
      extraHosts: container.extraHosts ?? [],
      logDriver: logDriver && { type: logDriver.type, options: logDriver.options ?? {} },
      init: container.init ?? CONFIG_DEFAULTS.container.init,
      stopTimeoutSeconds: container.stopTimeoutSeconds ?? CONFIG_DEFAULTS.container.stopTimeoutSeconds,
    },
    healthCheck: {
      path: healthCheck.path ?? CONFIG_DEFAULTS.healthCheck.path,
      timeoutSeconds: healthCheck.timeoutSeconds ?? CONFIG_DEFAULTS.healthCheck.timeoutSeconds,
      intervalMs: healthCheck.intervalMs ?? CONFIG_DEFAULTS.healthCheck.intervalMs,
    },
    registry: { bucket: document.registry?.bucket },
  };
}

/** The schema already checked the form (`no`, `always`, `unless-stopped`, `on-failure[:N]`). */
function parseRestartPolicy(policy: string): RestartPolicy {
  const [name, retries] = policy.split(':') as [RestartPolicy['name'], string | undefined];
  return { name, maximumRetryCount: retries === undefined ? 0 : Number(retries) };
}
