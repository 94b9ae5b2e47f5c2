import { createHash } from 'node:crypto';
import type { AppConfig } from '@wunderproxy/config';
import type { AppContainerSpec, RestartPolicy } from '@wunderproxy/docker';

/** The engine's restart policy string for the config's `container.restartPolicy`. */
export function restartPolicyOf(config: AppConfig): RestartPolicy {
  const policy = config.container.restartPolicy;
  return policy.name === 'on-failure' && policy.maximumRetryCount > 0
    ? `on-failure:${policy.maximumRetryCount}`
    : policy.name;
}

/** What the engine is asked to run for one deploy of `config`: the config's `container` fields, mapped one to one. */
export function containerSpec(config: AppConfig, deployId: string): AppContainerSpec {
  const c = config.container;
  return {
    name: config.name,
    deployId,
    image: config.image,
    port: c.port,
    env: { ...c.env },
    ...(c.cmd ? { cmd: [...c.cmd] } : {}),
    ...(c.entrypoint ? { entrypoint: [...c.entrypoint] } : {}),
    ...(c.workdir ? { workdir: c.workdir } : {}),
    labels: { ...c.labels },
    configHash: createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16),
    binds: [...c.volumes],
    ...(c.memoryBytes !== undefined ? { memory: c.memoryBytes } : {}),
    ...(c.cpus !== undefined ? { cpus: c.cpus } : {}),
    restart: restartPolicyOf(config),
    ...(c.network ? { networkMode: c.network } : {}),
    ...(c.user ? { user: c.user } : {}),
    extraHosts: [...c.extraHosts],
    ...(c.logDriver ? { logDriver: { type: c.logDriver.type, options: { ...c.logDriver.options } } } : {}),
    init: c.init,
    stopTimeout: c.stopTimeoutSeconds,
  };
}
