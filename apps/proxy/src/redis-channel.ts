import { hostname } from 'node:os';
import { type BackendState, redisKeys, type SwitchAck, type SwitchCommand } from '@wunderproxy/proxy-client';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { proxyDefaults } from './defaults.js';
import { InvalidSwitchError, parseSwitchCommand, parseSwitchText } from './switch-command.js';
import type { SwitchControl } from './switch-control.js';

export interface RedisChannelOptions {
  url: string;
  name: string;
  control: SwitchControl;
  log: Logger;
}

/**
 * The state key holds a BackendState (`url` may be null, plus `since`), not a switch message: keep the fields a
 * switch command has, so the command schema (no unknown fields, url a string) validates what matters.
 */
function commandOfState(stored: unknown): unknown {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return stored;
  const { id, url, maintenance } = stored as Record<string, unknown>;
  return maintenance === true ? { id, maintenance } : { id, ...(url === null ? {} : { url }) };
}

/**
 * The proxy's link to Redis: reads the state key on connect and after every reconnect (so switches missed while
 * Redis was away are caught up), applies switch messages, stores the state and publishes acks. While Redis is down
 * the proxy keeps serving its last backend; ioredis reconnects with backoff in the background.
 */
export class RedisChannel {
  readonly proxyId = `${hostname()}:${process.pid}`;
  readonly #keys;
  readonly #commands: Redis;
  readonly #subscriber: Redis;
  readonly #log: Logger;
  readonly #control: SwitchControl;
  #everReady = false;
  #subscribed = false;
  /** A state applied here that Redis never got (it was down): on reconnect it is written, not overwritten. */
  #unstored: BackendState | undefined;
  readonly #synced: Array<() => void> = [];
  // Switches are applied one at a time, in arrival order, so a resync never interleaves with a message.
  #queue: Promise<void> = Promise.resolve();

  constructor(options: RedisChannelOptions) {
    this.#keys = redisKeys(options.name);
    this.#log = options.log;
    this.#control = options.control;
    const retryStrategy = (attempt: number) =>
      Math.min(100 * 2 ** Math.min(attempt, 10), proxyDefaults.redisRetryMaxDelayMs);
    const common = { lazyConnect: true, retryStrategy, maxRetriesPerRequest: 1, enableOfflineQueue: false };
    this.#commands = new Redis(options.url, { ...common, connectionName: `wunderproxy-proxy-${options.name}` });
    // Subscribed by hand on every `ready` (autoResubscribe only repeats subscriptions that once succeeded).
    this.#subscriber = new Redis(options.url, {
      ...common,
      autoResubscribe: false,
      connectionName: `wunderproxy-proxy-${options.name}-sub`,
    });

    let lastError = '';
    for (const connection of [this.#commands, this.#subscriber]) {
      connection.on('error', (error: Error) => {
        // ioredis emits one error per failed attempt; log each distinct reason once per outage
        if (error.message !== lastError)
          this.#log.warn({ err: error.message }, 'redis unavailable; serving the last backend and retrying');
        lastError = error.message;
      });
    }
    // Resync once both connections are up and the subscription is in place: a switch published between the
    // GET and the SUBSCRIBE would otherwise be missed.
    this.#commands.on('ready', () => {
      lastError = '';
      if (this.#subscribed) this.#onConnected();
    });
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#keys.switch).then(
        () => {
          this.#subscribed = true;
          if (this.#commands.status === 'ready') this.#onConnected();
        },
        (error: Error) => this.#log.warn({ err: error.message }, 'redis subscribe failed; retrying on reconnect'),
      );
    });
    this.#subscriber.on('close', () => {
      this.#subscribed = false;
    });
    this.#subscriber.on('message', (_channel: string, text: string) => this.#enqueue(() => this.#onMessage(text)));
  }

  /**
   * Connects, waiting at most `waitMs` for the first sync so a restarting proxy comes up on the stored backend
   * rather than `--backend`. An unreachable Redis is not fatal: the connection keeps retrying in the background.
   */
  async start(waitMs: number): Promise<boolean> {
    const synced = new Promise<void>((resolve) => this.#synced.push(resolve));
    this.#commands.connect().catch(() => {});
    this.#subscriber.connect().catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      synced.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (!ok)
      this.#log.warn(
        { waitedMs: waitMs },
        'redis not reachable at start; serving --backend and retrying in the background',
      );
    return ok;
  }

  async stop(): Promise<void> {
    await this.#queue;
    this.#commands.disconnect();
    this.#subscriber.disconnect();
  }

  /** Stores a state applied by other means (the admin API), so a restart comes back on it. */
  async store(state: BackendState): Promise<void> {
    try {
      await this.#commands.set(this.#keys.backend, JSON.stringify(state));
      this.#unstored = undefined;
    } catch (error) {
      this.#unstored = state;
      this.#log.warn(
        { err: (error as Error).message },
        'could not store the backend in redis; will store it on reconnect',
      );
    }
  }

  #onConnected(): void {
    if (this.#everReady) this.#log.info('redis reconnected; re-reading the current backend');
    this.#everReady = true;
    this.#enqueue(() => this.#resync());
    void this.#queue.then(() => {
      for (const resolve of this.#synced.splice(0)) resolve();
    });
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((error: unknown) => {
      this.#log.error({ err: (error as Error).message }, 'redis sync failed');
    });
  }

  async #resync(): Promise<void> {
    const text = await this.#commands.get(this.#keys.backend);
    const current = this.#control.state;
    const unstored = this.#unstored?.id === current.id ? this.#unstored : undefined;
    if (unstored !== undefined && (text === null || storedBefore(text, unstored.since))) {
      // Switched here while Redis was away: the key is older than what we serve, so ours is the truth.
      await this.#commands.set(this.#keys.backend, JSON.stringify(current));
      this.#unstored = undefined;
      this.#log.info({ id: current.id }, 'stored the backend switched while redis was away');
      return;
    }
    this.#unstored = undefined;
    if (text === null) {
      // Nobody stored a backend yet: publish ours (NX, so a concurrent writer wins) unless we have none either.
      if (current.url !== null || current.maintenance)
        await this.#commands.set(this.#keys.backend, JSON.stringify(current), 'NX');
      return;
    }
    let command: SwitchCommand;
    try {
      command = parseSwitchCommand(commandOfState(JSON.parse(text)), { requireId: true });
    } catch (error) {
      this.#log.error({ key: this.#keys.backend, err: (error as Error).message }, 'ignoring a malformed state key');
      return;
    }
    if (
      command.id === current.id &&
      command.maintenance === current.maintenance &&
      (command.maintenance || command.url === current.url)
    )
      return;
    await this.#control.apply(command);
  }

  async #onMessage(text: string): Promise<void> {
    let command: SwitchCommand;
    try {
      command = parseSwitchText(text, { requireId: true, maxBytes: proxyDefaults.maxSwitchMessageBytes });
    } catch (error) {
      const reason = (error as Error).message;
      this.#log.warn(
        { channel: this.#keys.switch, err: reason, message: text.slice(0, 200) },
        'ignoring a malformed switch message',
      );
      if (error instanceof InvalidSwitchError && error.id !== undefined)
        await this.#ack({ id: error.id, proxy: this.proxyId, ok: false, error: reason });
      return;
    }
    let state: BackendState;
    try {
      state = await this.#control.apply(command);
    } catch (error) {
      // e.g. a cluster worker that did not confirm: refuse loudly instead of letting the sender time out
      await this.#ack({ id: command.id, proxy: this.proxyId, ok: false, error: (error as Error).message });
      throw error;
    }
    await this.store(state);
    await this.#ack({ id: command.id, proxy: this.proxyId, ok: true });
  }

  async #ack(ack: SwitchAck): Promise<void> {
    await this.#commands.publish(this.#keys.ack, JSON.stringify(ack)).catch((error: Error) => {
      this.#log.warn({ id: ack.id, err: error.message }, 'could not publish the ack');
    });
  }
}

/** Starts the Redis link when a URL is configured (the same for a single process and a cluster primary). */
export async function startRedisChannel(
  options: { redis?: string | undefined; name: string; redisWaitMs?: number | undefined },
  control: SwitchControl,
  log: Logger,
): Promise<RedisChannel | undefined> {
  if (options.redis === undefined || options.redis === '') return undefined;
  const channel = new RedisChannel({
    url: options.redis,
    name: options.name,
    control,
    log: log.child({ component: 'redis' }),
  });
  await channel.start(options.redisWaitMs ?? 2000);
  return channel;
}

/** Whether the stored state (JSON text of the key) was applied before `since` (unreadable counts as older). */
function storedBefore(text: string, since: string): boolean {
  try {
    const stored = (JSON.parse(text) as { since?: unknown }).since;
    return typeof stored !== 'string' || stored < since;
  } catch {
    return true;
  }
}
