/** Status classes counted over time: 1xx is folded into 2xx (interim answers are not outcomes). */
declare const classes: readonly ["2xx", "3xx", "4xx", "5xx"];
export type StatusClass = (typeof classes)[number];
export interface StatusSecond {
    /** Unix time in seconds */
    t: number;
    counts: Record<StatusClass, number>;
}
export interface LatencySummary {
    count: number;
    p50: number;
    p90: number;
    p99: number;
    p999: number;
    max: number;
}
export interface StatsSnapshot {
    requests: Record<StatusClass, number>;
    connections: {
        open: number;
        active: number;
        idle: number;
        websockets: number;
    };
    /** Last 5 minutes, one entry per second with traffic; milliseconds in the latencies. */
    statusOverTime: StatusSecond[];
    latencyMs: {
        sinceStart: LatencySummary;
        lastMinute: LatencySummary;
    };
}
/**
 * The proxy's traffic counters. The request path only adds to plain numbers and one histogram; Prometheus and the
 * status page read them when scraped, so observing costs nothing per request beyond this.
 */
export declare class RequestStats {
    #private;
    readonly totals: Record<StatusClass, number>;
    openConnections: number;
    activeRequests: number;
    websockets: number;
    record(status: number, durationMs: number): void;
    snapshot(): StatsSnapshot;
}
export {};
//# sourceMappingURL=stats.d.ts.map