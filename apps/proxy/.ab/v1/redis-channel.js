import { hostname } from 'node:os';
import { redisKeys } from '@wunderproxy/proxy-client';
import { Redis } from 'ioredis';
import { proxyDefaults } from './defaults.js';
import { InvalidSwitchError, parseSwitchCommand, parseSwitchText } from './switch-command.js';
/**
 * The state key holds a BackendState (`url` may be null, plus `since`), not a switch message: keep the fields a
 * switch command has, so the command schema (no unknown fields, url a string) validates what matters.
 */
function commandOfState(stored) {
    if (typeof stored !== 'object' || stored === null || Array.isArray(stored))
        return stored;
    const { id, url, maintenance } = stored;
    return maintenance === true ? { id, maintenance } : { id, ...(url === null ? {} : { url }) };
}
/**
 * The proxy's link to Redis: reads the state key on connect and after every reconnect (so switches missed while
 * Redis was away are caught up), applies switch messages, stores the state and publishes acks. While Redis is down
 * the proxy keeps serving its last backend; ioredis reconnects with backoff in the background.
 */
export class RedisChannel {
    proxyId = `${hostname()}:${process.pid}`;
    #keys;
    #commands;
    #subscriber;
    #log;
    #control;
    #everReady = false;
    #subscribed = false;
    #synced = [];
    // Switches are applied one at a time, in arrival order, so a resync never interleaves with a message.
    #queue = Promise.resolve();
    constructor(options) {
        this.#keys = redisKeys(options.name);
        this.#log = options.log;
        this.#control = options.control;
        const retryStrategy = (attempt) => Math.min(100 * 2 ** Math.min(attempt, 10), proxyDefaults.redisRetryMaxDelayMs);
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
            connection.on('error', (error) => {
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
            if (this.#subscribed)
                this.#onConnected();
        });
        this.#subscriber.on('ready', () => {
            this.#subscriber.subscribe(this.#keys.switch).then(() => {
                this.#subscribed = true;
                if (this.#commands.status === 'ready')
                    this.#onConnected();
            }, (error) => this.#log.warn({ err: error.message }, 'redis subscribe failed; retrying on reconnect'));
        });
        this.#subscriber.on('close', () => {
            this.#subscribed = false;
        });
        this.#subscriber.on('message', (_channel, text) => this.#enqueue(() => this.#onMessage(text)));
    }
    /**
     * Connects, waiting at most `waitMs` for the first sync so a restarting proxy comes up on the stored backend
     * rather than `--backend`. An unreachable Redis is not fatal: the connection keeps retrying in the background.
     */
    async start(waitMs) {
        const synced = new Promise((resolve) => this.#synced.push(resolve));
        this.#commands.connect().catch(() => { });
        this.#subscriber.connect().catch(() => { });
        let timer;
        const ok = await Promise.race([
            synced.then(() => true),
            new Promise((r) => (timer = setTimeout(() => r(false), waitMs))),
        ]);
        clearTimeout(timer);
        if (!ok)
            this.#log.warn({ waitedMs: waitMs }, 'redis not reachable at start; serving --backend and retrying in the background');
        return ok;
    }
    async stop() {
        await this.#queue;
        this.#commands.disconnect();
        this.#subscriber.disconnect();
    }
    /** Stores a state applied by other means (the admin API), so a restart comes back on it. */
    async store(state) {
        try {
            await this.#commands.set(this.#keys.backend, JSON.stringify(state));
        }
        catch (error) {
            this.#log.warn({ err: error.message }, 'could not store the backend in redis');
        }
    }
    #onConnected() {
        if (this.#everReady)
            this.#log.info('redis reconnected; re-reading the current backend');
        this.#everReady = true;
        this.#enqueue(() => this.#resync());
        void this.#queue.then(() => {
            for (const resolve of this.#synced.splice(0))
                resolve();
        });
    }
    #enqueue(task) {
        this.#queue = this.#queue.then(task).catch((error) => {
            this.#log.error({ err: error.message }, 'redis sync failed');
        });
    }
    async #resync() {
        const text = await this.#commands.get(this.#keys.backend);
        const current = this.#control.state;
        if (text === null) {
            // Nobody stored a backend yet: publish ours (NX, so a concurrent writer wins) unless we have none either.
            if (current.url !== null || current.maintenance)
                await this.#commands.set(this.#keys.backend, JSON.stringify(current), 'NX');
            return;
        }
        let command;
        try {
            command = parseSwitchCommand(commandOfState(JSON.parse(text)), { requireId: true });
        }
        catch (error) {
            this.#log.error({ key: this.#keys.backend, err: error.message }, 'ignoring a malformed state key');
            return;
        }
        if (command.id === current.id &&
            command.maintenance === current.maintenance &&
            (command.maintenance || command.url === current.url))
            return;
        await this.#control.apply(command);
    }
    async #onMessage(text) {
        let command;
        try {
            command = parseSwitchText(text, { requireId: true, maxBytes: proxyDefaults.maxSwitchMessageBytes });
        }
        catch (error) {
            const reason = error.message;
            this.#log.warn({ channel: this.#keys.switch, err: reason, message: text.slice(0, 200) }, 'ignoring a malformed switch message');
            if (error instanceof InvalidSwitchError && error.id !== undefined)
                await this.#ack({ id: error.id, proxy: this.proxyId, ok: false, error: reason });
            return;
        }
        const state = await this.#control.apply(command);
        await this.#commands.set(this.#keys.backend, JSON.stringify(state)).catch(() => { });
        await this.#ack({ id: command.id, proxy: this.proxyId, ok: true });
    }
    async #ack(ack) {
        await this.#commands.publish(this.#keys.ack, JSON.stringify(ack)).catch((error) => {
            this.#log.warn({ id: ack.id, err: error.message }, 'could not publish the ack');
        });
    }
}
//# sourceMappingURL=redis-channel.js.map