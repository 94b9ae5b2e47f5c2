import type { BackendState, SwitchCommand } from '@wunderproxy/proxy-client';
import type { StatsExport } from './stats.js';
/** What a cluster worker reports about itself beyond the counters (for /status.json). */
export interface WorkerStatus {
    pid: number;
    drainingBackends: number;
    upstream: {
        sockets: number;
        freeSockets: number;
    };
    stats: StatsExport;
}
/**
 * The IPC protocol between the cluster primary and its workers. Every message carries `wunderproxy` so other
 * cluster traffic (node's own `NODE_CLUSTER` messages) is never mistaken for ours. Node delivers IPC messages in
 * order, so a worker applies `init` before any later `apply`.
 */
export type PrimaryMessage = 
/** The state to start with; the answer to `hello`, before the worker listens. `command` is absent when none is set yet. */
{
    wunderproxy: 'init';
    command: SwitchCommand | undefined;
} | {
    wunderproxy: 'apply';
    seq: number;
    command: SwitchCommand;
} | {
    wunderproxy: 'status';
    seq: number;
}
/** Stop accepting, drain in-flight requests up to `timeoutMs`, exit 0. */
 | {
    wunderproxy: 'drain';
    timeoutMs: number;
};
export type WorkerMessage = 
/** The worker listens for IPC now (messages sent before that would be lost) and wants its initial state. */
{
    wunderproxy: 'hello';
} | {
    wunderproxy: 'listening';
    port: number;
} | {
    wunderproxy: 'applied';
    seq: number;
    state: BackendState;
} | {
    wunderproxy: 'status';
    seq: number;
    status: WorkerStatus;
};
export declare function isPrimaryMessage(message: unknown): message is PrimaryMessage;
export declare const isWorkerMessage: (message: unknown) => message is WorkerMessage;
//# sourceMappingURL=worker-messages.d.ts.map