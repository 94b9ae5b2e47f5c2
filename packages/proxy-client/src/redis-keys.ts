/** The Redis names of one app's proxies (DESIGN.md: prefix `wunderproxy:NAME:`). */
export interface RedisKeys {
  /** String key holding the current BackendState as JSON. */
  backend: string;
  /** Channel carrying switch messages `{"id","url"}` / `{"id","maintenance":true}`. */
  switch: string;
  /** Channel on which each proxy publishes `{"id","proxy","ok"}` after applying or refusing a switch. */
  ack: string;
}

export function redisKeys(name: string): RedisKeys {
  const prefix = `wunderproxy:${name}:`;
  return { backend: `${prefix}backend`, switch: `${prefix}switch`, ack: `${prefix}ack` };
}

/** What each proxy publishes on the ack channel. */
export interface SwitchAck {
  id: string;
  /** `HOST:PID` of the proxy */
  proxy: string;
  ok: boolean;
  /** Why a switch was refused (only when ok is false). */
  error?: string;
}
