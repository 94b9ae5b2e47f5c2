/** Every default of the proxy in one place, each with the reason for its value. */
export const proxyDefaults = {
  /** Public HTTP listener: all interfaces, the port an ELB target group usually points at. */
  listen: '0.0.0.0:8080',
  /** Admin API on loopback only: switching traffic must not be reachable from the network by default. */
  admin: '127.0.0.1:8081',
  /** Redis names are per app, so several apps can share one Redis. */
  name: 'app',
  /** In-flight requests and websockets of an old backend get this long after a switch (DESIGN.md: 30 s). */
  drainTimeoutMs: 30_000,
  /** No byte from the backend for this long → 504. Long enough for slow reports, short enough to free clients. */
  backendTimeoutMs: 60_000,
  /** Path answered 200 by the proxy itself in maintenance mode, so the load balancer keeps the instance. */
  healthCheckPath: '/healthz',
  /** Seconds in `Retry-After` of the maintenance page. */
  maintenanceRetryAfterSeconds: 30,
  /** Switch messages and admin bodies larger than this are refused: a backend URL is a few dozen bytes. */
  maxSwitchMessageBytes: 64 * 1024,
  /**
   * Bytes a client socket may buffer before the backend is paused. Node's 16 KiB default paused and resumed the
   * backend read for every 64 KiB chunk (a syscall pair and an event-loop turn each); 256 KiB per connection lets a
   * response up to that size flow without it and still bounds memory for slow clients.
   */
  clientSocketBufferBytes: 256 * 1024,
  /** Client keep-alive idle timeout; above typical ELB idle timeout (60 s) so the ELB closes first, never us. */
  keepAliveTimeoutMs: 65_000,
  /** Redis reconnect backoff: 100 ms doubling up to 5 s; Redis restarts take about a second here. */
  redisRetryMaxDelayMs: 5_000,
  /** `wunderproxy switch` waits this long for acks (DESIGN.md: 5 s). */
  switchTimeoutMs: 5_000,
} as const;
