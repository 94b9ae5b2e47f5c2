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
    /** Everything a cluster primary needs to merge this worker's counters with the others' (see ClusterStats). */
    export(): StatsExport;
    snapshot(): StatsSnapshot;
}
/** One worker's counters as sent over IPC: its snapshot plus its latency histograms (compressed, mergeable). */
export interface StatsExport {
    snapshot: StatsSnapshot;
    sinceStart: string;
    lastMinute: string;
}
/**
 * The cluster primary's view: the sum of its workers' last exports. Counters add up, per-second buckets add up by
 * second, and latency percentiles come from the merged histograms (percentiles themselves cannot be averaged).
 */
export declare class ClusterStats extends RequestStats {
    #private;
    update(exports: StatsExport[]): void;
    snapshot(): StatsSnapshot;
}
export {};
//# sourceMappingURL=stats.d.ts.map