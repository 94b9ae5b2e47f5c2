import { type ProxyOptions, type RunningProxy } from './proxy-server.js';
/**
 * The cluster primary: admin API, Redis channel and the SwitchControl; the workers run the public listener. A
 * switch is sent to every worker and resolves only when all of them have applied it, so an admin 200 or a Redis
 * ack still means that every new request goes to the new backend. A worker started later (or restarted after a
 * crash) gets the current state before it listens.
 */
export declare function startClusterPrimary(options: ProxyOptions): Promise<RunningProxy>;
//# sourceMappingURL=cluster-primary.d.ts.map