import type { SwitchCommand } from '@wunderproxy/proxy-client';
import type { Logger } from 'pino';
import { RequestStats } from './stats.js';
import type { SwitchControl } from './switch-control.js';
export interface ProxyOptions {
    /** Public listener, `HOST:PORT`. */
    listen: string;
    /** Admin API listener, `HOST:PORT`; null disables it. */
    admin: string | null;
    /** Initial backend URL, or `maintenance`. Redis's stored state wins over it. */
    backend?: string | undefined;
    redis?: string | undefined;
    name: string;
    adminToken?: string | undefined;
    drainTimeoutMs: number;
    backendTimeoutMs: number;
    healthCheckPath: string;
    /** A file whose contents replace the built-in maintenance page. */
    maintenancePage?: string | undefined;
    /** How long start waits for Redis before serving `--backend` (Redis keeps being retried after). */
    redisWaitMs?: number;
    logger: Logger;
    /** Cluster workers running the public listener (the primary keeps admin API, Redis and the switch); 1 = none. */
    workers?: number;
}
export interface RunningProxy {
    readonly port: number;
    readonly adminPort: number | undefined;
    readonly control: SwitchControl;
    /** Stop accepting, let in-flight requests finish (up to drainTimeoutMs), close everything. */
    close(drainTimeoutMs?: number): Promise<void>;
    /** This process's counters (a cluster worker sends them to the primary). */
    readonly stats: RequestStats;
    /** What /status.json shows. */
    status(): Record<string, unknown>;
}
export declare function initialCommand(backend: string | undefined): SwitchCommand | undefined;
export declare function startProxy(options: ProxyOptions): Promise<RunningProxy>;
//# sourceMappingURL=proxy-server.d.ts.map