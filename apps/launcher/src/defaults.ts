/** Every default of the launcher in one place, each with the reason for its value. */
export const launcherDefaults = {
  /** Launcher API on loopback: deploying must not be reachable from the network by default. */
  listen: '127.0.0.1:8082',
  /** Where the proxy's admin API listens by default (apps/proxy defaults). */
  proxyAdmin: 'http://127.0.0.1:8081',
  /** Deploy history, locks and the last config of each app survive restarts here. */
  stateDir: '/var/lib/wunderproxy',
  /** Proxies ack within milliseconds; 5 s covers a proxy busy with a GC pause or a slow Redis. */
  ackTimeoutMs: 5_000,
  /** A deploy lock older than this is stale even if its owner still runs (a hung deploy must not block forever). */
  lockTtlMs: 15 * 60_000,
  /** Reading the current backend from the local admin API gives up after this long (it answers in milliseconds). */
  adminReadTimeoutMs: 2_000,
  /** Fetching a config over https gives up after this long. */
  fetchTimeoutMs: 10_000,
  /** After the switch, the old container keeps running while the proxy drains it; at most this long. */
  maxDrainWaitMs: 30_000,
  /** Without an admin API to ask about the drain, give in-flight requests this long before stopping the old container. */
  drainGraceMs: 2_000,
  /** Old containers kept stopped for rollback. */
  retain: 5,
} as const;
