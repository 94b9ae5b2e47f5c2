import { type BackendState, type SwitchCommand } from '@wunderproxy/proxy-client';
import type { Logger } from 'pino';
import { Backend } from './backend.js';
/** Where a request goes: bound once, when the request arrives. */
export type Route = {
    readonly kind: 'backend';
    readonly backend: Backend;
} | {
    readonly kind: 'maintenance';
} | {
    readonly kind: 'none';
};
/**
 * The current backend. A switch replaces one reference synchronously, so every request that arrives after `apply`
 * returns goes to the new route; requests and websockets already claimed by the old backend finish there while it
 * drains in the background, up to the drain timeout.
 */
export declare class Switch {
    #private;
    private readonly log;
    private readonly drainTimeoutMs;
    constructor(log: Logger, drainTimeoutMs: number);
    get route(): Route;
    get state(): BackendState;
    apply(command: SwitchCommand): BackendState;
    /** Shutdown: drain the current backend too, and wait for every backend still draining. */
    drainAll(timeoutMs: number): Promise<void>;
    /** Backends still finishing requests after a switch (for the status page). */
    get drainingCount(): number;
}
//# sourceMappingURL=switch.d.ts.map