import { type BackendState } from '@wunderproxy/proxy-client';
import type { Logger } from 'pino';
import type { SwitchControl } from './switch-control.js';
export interface RedisChannelOptions {
    url: string;
    name: string;
    control: SwitchControl;
    log: Logger;
}
/**
 * The proxy's link to Redis: reads the state key on connect and after every reconnect (so switches missed while
 * Redis was away are caught up), applies switch messages, stores the state and publishes acks. While Redis is down
 * the proxy keeps serving its last backend; ioredis reconnects with backoff in the background.
 */
export declare class RedisChannel {
    #private;
    readonly proxyId: string;
    constructor(options: RedisChannelOptions);
    /**
     * Connects, waiting at most `waitMs` for the first sync so a restarting proxy comes up on the stored backend
     * rather than `--backend`. An unreachable Redis is not fatal: the connection keeps retrying in the background.
     */
    start(waitMs: number): Promise<boolean>;
    stop(): Promise<void>;
    /** Stores a state applied by other means (the admin API), so a restart comes back on it. */
    store(state: BackendState): Promise<void>;
}
//# sourceMappingURL=redis-channel.d.ts.map