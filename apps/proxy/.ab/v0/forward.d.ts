import { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { RequestStats } from './stats.js';
import type { Switch } from './switch.js';
export interface ForwarderOptions {
    switch: Switch;
    stats: RequestStats;
    log: Logger;
    /** No byte from the backend for this long → 504. */
    backendTimeoutMs: number;
    /** Answered 200 by the proxy itself in maintenance mode. */
    healthCheckPath: string;
}
/**
 * The request path. Plain HTTP goes through a lean node:http pipe with the backend's keep-alive agent (profiled:
 * http-proxy-3's per-request passes and option merging cost a third of the throughput, see BENCHMARK.md);
 * upgrades (websockets) go through http-proxy-3, which handles their handshake well.
 */
export declare function createForwarder(options: ForwarderOptions): {
    onRequest: (req: IncomingMessage, res: ServerResponse) => void;
    onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
};
//# sourceMappingURL=forward.d.ts.map