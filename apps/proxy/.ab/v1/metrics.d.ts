import { Registry } from 'prom-client';
import type { RequestStats } from './stats.js';
/**
 * Prometheus view of the proxy. Values are read from RequestStats when scraped (`collect`), so the request path
 * never touches prom-client's label maps.
 */
export declare function createMetricsRegistry(stats: RequestStats, extra: () => {
    drainingBackends: number;
}): Registry;
//# sourceMappingURL=metrics.d.ts.map