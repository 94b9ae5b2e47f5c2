import { Counter, Gauge, Registry } from 'prom-client';
/**
 * Prometheus view of the proxy. Values are read from RequestStats when scraped (`collect`), so the request path
 * never touches prom-client's label maps.
 */
export function createMetricsRegistry(stats, extra) {
    const registry = new Registry();
    new Counter({
        name: 'wunderproxy_requests_total',
        help: 'Requests answered, by status class',
        labelNames: ['class'],
        registers: [registry],
        collect() {
            this.reset();
            for (const [statusClass, count] of Object.entries(stats.totals))
                this.inc({ class: statusClass }, count);
        },
    });
    new Gauge({
        name: 'wunderproxy_connections',
        help: 'Client connections by state',
        labelNames: ['state'],
        registers: [registry],
        collect() {
            const { connections } = stats.snapshot();
            for (const [state, count] of Object.entries(connections))
                this.set({ state }, count);
        },
    });
    new Gauge({
        name: 'wunderproxy_response_time_seconds',
        help: 'Response time percentiles since start',
        labelNames: ['quantile'],
        registers: [registry],
        collect() {
            const { sinceStart } = stats.snapshot().latencyMs;
            for (const [quantile, ms] of [
                ['0.5', sinceStart.p50],
                ['0.9', sinceStart.p90],
                ['0.99', sinceStart.p99],
            ]) {
                this.set({ quantile }, ms / 1000);
            }
        },
    });
    new Gauge({
        name: 'wunderproxy_draining_backends',
        help: 'Old backends still finishing in-flight requests after a switch',
        registers: [registry],
        collect() {
            this.set(extra().drainingBackends);
        },
    });
    return registry;
}
//# sourceMappingURL=metrics.js.map