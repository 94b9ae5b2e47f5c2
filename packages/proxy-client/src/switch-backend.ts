import { Redis } from 'ioredis';
import { type BackendState, type SwitchCommand, stateOf } from './backend-state.js';
import { redisKeys, type SwitchAck } from './redis-keys.js';

/**
 * An ack as published by a proxy, or undefined for anything else on the channel: it is a public channel, so a
 * malformed or hostile message must neither crash the waiting deploy nor count as a confirmation.
 */
export function parseAck(text: string): SwitchAck | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, proxy, ok, error } = value as Record<string, unknown>;
  if (typeof id !== 'string' || typeof proxy !== 'string' || typeof ok !== 'boolean') return undefined;
  return typeof error === 'string' ? { id, proxy, ok, error } : { id, proxy, ok };
}

/** A stored state (Redis key or admin API answer), checked: a hand-edited key gets an error that names it. */
export function parseBackendState(text: string, where: string): BackendState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SwitchError('SWITCH_UNREACHABLE', `${where}: not JSON (${(error as Error).message})`);
  }
  const state = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const urlOk = state.url === null || (typeof state.url === 'string' && URL.canParse(state.url));
  if (
    !urlOk ||
    typeof state.maintenance !== 'boolean' ||
    typeof state.id !== 'string' ||
    typeof state.since !== 'string'
  ) {
    throw new SwitchError(
      'SWITCH_UNREACHABLE',
      `${where}: expected {"url": "http://…" | null, "maintenance": bool, "since": ISO time, "id": string}, got ${text.slice(0, 200)}`,
    );
  }
  return value as BackendState;
}

/** Raised when a switch could not be delivered or nobody confirmed it. */
export class SwitchError extends Error {
  constructor(
    readonly code: 'SWITCH_UNCONFIRMED' | 'SWITCH_REFUSED' | 'SWITCH_UNREACHABLE',
    message: string,
  ) {
    super(message);
    this.name = 'SwitchError';
  }
}

export interface RedisSwitchResult {
  /** Proxies subscribed when the message was published. */
  subscribers: number;
  acks: SwitchAck[];
  durationMs: number;
}

/**
 * Switches every proxy of `name`: stores the state in the key (so a proxy that starts later comes up on it),
 * publishes the message, and collects acks until every subscriber answered or `timeoutMs` passed.
 * Resolves with what was heard; the caller decides whether zero acks is a failure.
 */
export async function switchViaRedis(options: {
  redisUrl: string;
  name: string;
  command: SwitchCommand;
  timeoutMs: number;
}): Promise<RedisSwitchResult> {
  const keys = redisKeys(options.name);
  const started = performance.now();
  const connect = {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: options.timeoutMs,
  };
  const client = new Redis(options.redisUrl, connect);
  const subscriber = new Redis(options.redisUrl, connect);
  client.on('error', () => {});
  subscriber.on('error', () => {});
  try {
    try {
      await Promise.all([client.connect(), subscriber.connect()]);
    } catch (error) {
      throw new SwitchError(
        'SWITCH_UNREACHABLE',
        `cannot reach Redis at ${options.redisUrl}: ${(error as Error).message}`,
      );
    }
    const acks: SwitchAck[] = [];
    let expected = Number.POSITIVE_INFINITY;
    let done: () => void = () => {};
    const allAcked = new Promise<void>((resolve) => {
      done = resolve;
    });
    subscriber.on('message', (_channel: string, text: string) => {
      const ack = parseAck(text);
      if (ack === undefined || ack.id !== options.command.id) return;
      acks.push(ack);
      if (acks.length >= expected) done();
    });
    await subscriber.subscribe(keys.ack);
    await client.set(keys.backend, JSON.stringify(stateOf(options.command)));
    expected = await client.publish(keys.switch, JSON.stringify(options.command));
    if (acks.length >= expected) done();
    if (expected > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([allAcked, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)))]);
      clearTimeout(timer);
    }
    return { subscribers: expected, acks, durationMs: Math.round(performance.now() - started) };
  } finally {
    client.disconnect();
    subscriber.disconnect();
  }
}

/** Switches one proxy through its admin API (no Redis). */
export async function switchViaAdmin(options: {
  adminUrl: string;
  token?: string | undefined;
  command: SwitchCommand;
  timeoutMs: number;
}): Promise<BackendState> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(new URL('/api/backend', options.adminUrl), {
      method: 'PUT',
      headers,
      body: JSON.stringify(options.command),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new SwitchError(
      'SWITCH_UNREACHABLE',
      `cannot reach the proxy admin API at ${options.adminUrl}: ${(error as Error).message}`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new SwitchError('SWITCH_REFUSED', `${options.adminUrl} answered ${response.status}: ${text.trim()}`);
  }
  return JSON.parse(text) as BackendState;
}

/** Reads the current state from Redis (or null when no proxy of that name ever stored one). */
export async function readBackendState(redisUrl: string, name: string): Promise<BackendState | null> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    const key = redisKeys(name).backend;
    const text = await client.get(key);
    return text === null ? null : parseBackendState(text, key);
  } finally {
    client.disconnect();
  }
}

/**
 * Puts the state key back after a switch nobody confirmed: the previous state, or no key at all when there was none
 * (so a proxy that starts later does not come up on a container that is about to be removed).
 */
export async function restoreBackendState(
  redisUrl: string,
  name: string,
  previous: BackendState | null,
): Promise<void> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    const key = redisKeys(name).backend;
    if (previous === null) await client.del(key);
    else await client.set(key, JSON.stringify(previous));
  } finally {
    client.disconnect();
  }
}
