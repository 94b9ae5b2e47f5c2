/** Every default of the proxy in one place, each with the reason for its value. */
export declare const proxyDefaults: {
    /** Public HTTP listener: all interfaces, the port an ELB target group usually points at. */
    readonly listen: "0.0.0.0:8080";
    /** Admin API on loopback only: switching traffic must not be reachable from the network by default. */
    readonly admin: "127.0.0.1:8081";
    /** Redis names are per app, so several apps can share one Redis. */
    readonly name: "app";
    /** In-flight requests and websockets of an old backend get this long after a switch (DESIGN.md: 30 s). */
    readonly drainTimeoutMs: 30000;
    /** No byte from the backend for this long → 504. Long enough for slow reports, short enough to free clients. */
    readonly backendTimeoutMs: 60000;
    /** Path answered 200 by the proxy itself in maintenance mode, so the load balancer keeps the instance. */
    readonly healthCheckPath: "/healthz";
    /** Seconds in `Retry-After` of the maintenance page. */
    readonly maintenanceRetryAfterSeconds: 30;
    /** Switch messages and admin bodies larger than this are refused: a backend URL is a few dozen bytes. */
    readonly maxSwitchMessageBytes: number;
    /** Idle keep-alive sockets per backend: enough for a burst of ~256 concurrent requests without reconnecting. */
    readonly maxFreeSockets: 256;
    /** Client keep-alive idle timeout; above typical ELB idle timeout (60 s) so the ELB closes first, never us. */
    readonly keepAliveTimeoutMs: 65000;
    /** Redis reconnect backoff: 100 ms doubling up to 5 s; Redis restarts take about a second here. */
    readonly redisRetryMaxDelayMs: 5000;
    /** `wunderproxy switch` waits this long for acks (DESIGN.md: 5 s). */
    readonly switchTimeoutMs: 5000;
};
//# sourceMappingURL=defaults.d.ts.map