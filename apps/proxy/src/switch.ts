import { type BackendState, describeState, type SwitchCommand, stateOf } from '@wunderproxy/proxy-client';
import type { Logger } from 'pino';
import { Backend, type DrainResult } from './backend.js';

/** Where a request goes: bound once, when the request arrives. */
export type Route =
  | { readonly kind: 'backend'; readonly backend: Backend }
  | { readonly kind: 'maintenance' }
  | { readonly kind: 'none' };

const NONE: Route = { kind: 'none' };
const MAINTENANCE: Route = { kind: 'maintenance' };

/**
 * The current backend. A switch replaces one reference synchronously, so every request that arrives after `apply`
 * returns goes to the new route; requests and websockets already claimed by the old backend finish there while it
 * drains in the background, up to the drain timeout.
 */
export class Switch {
  #route: Route = NONE;
  #state: BackendState;
  readonly #draining = new Set<Promise<DrainResult>>();

  constructor(
    private readonly log: Logger,
    private readonly drainTimeoutMs: number,
  ) {
    this.#state = { url: null, maintenance: false, since: new Date().toISOString(), id: 'initial' };
  }

  get route(): Route {
    return this.#route;
  }

  get state(): BackendState {
    return this.#state;
  }

  apply(command: SwitchCommand): BackendState {
    const previous = this.#route;
    const before = this.#state;
    let next: Route;
    if (command.maintenance === true) next = MAINTENANCE;
    else if (previous.kind === 'backend' && previous.backend.origin === command.url) next = previous;
    else next = { kind: 'backend', backend: new Backend(command.url) };
    this.#route = next;
    this.#state = stateOf(command);

    const retired = previous.kind === 'backend' && previous !== next ? previous.backend : undefined;
    this.log.info(
      {
        id: command.id,
        from: describeState(before),
        to: describeState(this.#state),
        inFlightOnOld: retired?.inFlight ?? 0,
      },
      'switched',
    );
    if (retired !== undefined) this.#drain(retired, command.id);
    return this.#state;
  }

  #drain(backend: Backend, switchId: string): void {
    const draining = backend.drain(this.drainTimeoutMs);
    this.#draining.add(draining);
    void draining.then((result) => {
      this.#draining.delete(draining);
      const fields = { id: switchId, backend: backend.origin, ...result };
      if (result.finished) this.log.debug(fields, 'old backend drained');
      else this.log.warn(fields, 'drain timeout: cut requests still running on the old backend');
    });
  }

  /** Shutdown: drain the current backend too, and wait for every backend still draining. */
  async drainAll(timeoutMs: number): Promise<void> {
    const current = this.#route;
    if (current.kind === 'backend') this.#draining.add(current.backend.drain(timeoutMs));
    await Promise.all(this.#draining);
  }

  /** Backends still finishing requests after a switch (for the status page). */
  get drainingCount(): number {
    return this.#draining.size;
  }
}
