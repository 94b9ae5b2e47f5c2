import { randomUUID } from 'node:crypto';

/** What the proxy forwards to: shared by the admin API, the Redis key and `GET /api/backend`. */
export interface BackendState {
  /** `http://host:port` of the backend, or null in maintenance mode or when none is set. */
  url: string | null;
  maintenance: boolean;
  /** ISO time the state was applied. */
  since: string;
  /** The id of the switch that produced this state. */
  id: string;
}

/** A validated request to switch: to a backend URL, or to maintenance. */
export type SwitchCommand = { id: string; url: string; maintenance?: false } | { id: string; maintenance: true };

export function newSwitchId(): string {
  return randomUUID();
}

export function stateOf(command: SwitchCommand, at: Date = new Date()): BackendState {
  return command.maintenance === true
    ? { url: null, maintenance: true, since: at.toISOString(), id: command.id }
    : { url: command.url, maintenance: false, since: at.toISOString(), id: command.id };
}

export function describeState(state: BackendState): string {
  if (state.maintenance) return 'maintenance';
  return state.url ?? 'no backend';
}
