import { describeState, stateOf } from '@wunderproxy/proxy-client';
import { Backend } from './backend.js';
const NONE = { kind: 'none' };
const MAINTENANCE = { kind: 'maintenance' };
/**
 * The current backend. A switch replaces one reference synchronously, so every request that arrives after `apply`
 * returns goes to the new route; requests and websockets already claimed by the old backend finish there while it
 * drains in the background, up to the drain timeout.
 */
export class Switch {
    log;
    drainTimeoutMs;
    #route = NONE;
    #state;
    #draining = new Set();
    constructor(log, drainTimeoutMs) {
        this.log = log;
        this.drainTimeoutMs = drainTimeoutMs;
        this.#state = { url: null, maintenance: false, since: new Date().toISOString(), id: 'initial' };
    }
    get route() {
        return this.#route;
    }
    get state() {
        return this.#state;
    }
    apply(command) {
        const previous = this.#route;
        const before = this.#state;
        let next;
        if (command.maintenance === true)
            next = MAINTENANCE;
        else if (previous.kind === 'backend' && previous.backend.origin === command.url)
            next = previous;
        else
            next = { kind: 'backend', backend: new Backend(command.url) };
        this.#route = next;
        this.#state = stateOf(command);
        const retired = previous.kind === 'backend' && previous !== next ? previous.backend : undefined;
        this.log.info({
            id: command.id,
            from: describeState(before),
            to: describeState(this.#state),
            inFlightOnOld: retired?.inFlight ?? 0,
        }, 'switched');
        if (retired !== undefined)
            this.#drain(retired, command.id);
        return this.#state;
    }
    #drain(backend, switchId) {
        const draining = backend.drain(this.drainTimeoutMs);
        this.#draining.add(draining);
        void draining.then((result) => {
            this.#draining.delete(draining);
            const fields = { id: switchId, backend: backend.origin, ...result };
            if (result.finished)
                this.log.debug(fields, 'old backend drained');
            else
                this.log.warn(fields, 'drain timeout: cut requests still running on the old backend');
        });
    }
    /** Shutdown: drain the current backend too, and wait for every backend still draining. */
    async drainAll(timeoutMs) {
        const current = this.#route;
        if (current.kind === 'backend')
            this.#draining.add(current.backend.drain(timeoutMs));
        await Promise.all(this.#draining);
    }
    /** Backends still finishing requests after a switch (for the status page). */
    get drainingCount() {
        return this.#draining.size;
    }
}
//# sourceMappingURL=switch.js.map