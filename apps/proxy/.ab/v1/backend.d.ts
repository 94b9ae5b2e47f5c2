import http from 'node:http';
import type { Socket } from 'node:net';
/** How a drain ended: everything finished by itself, or the deadline cut `aborted` requests/websockets short. */
export interface DrainResult {
    finished: boolean;
    aborted: number;
    durationMs: number;
}
/**
 * One upstream: its keep-alive agent and everything currently in flight on it. A request registers here when it
 * arrives (claim), so a switch never moves it; draining this backend waits for exactly these.
 */
export declare class Backend {
    #private;
    readonly origin: string;
    readonly hostname: string;
    readonly port: number;
    readonly secure: boolean;
    readonly agent: http.Agent;
    constructor(origin: string);
    get inFlight(): number;
    get draining(): boolean;
    claim(res: http.ServerResponse): void;
    release(res: http.ServerResponse): void;
    claimTunnel(socket: Socket): void;
    /**
     * Waits until everything in flight has ended, at most `timeoutMs`; then answers unanswered requests 504, cuts
     * responses already streaming, closes websockets with 1001, and closes the idle upstream sockets.
     */
    drain(timeoutMs: number): Promise<DrainResult>;
}
//# sourceMappingURL=backend.d.ts.map