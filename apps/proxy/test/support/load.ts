import http from 'node:http';
import { request } from './http-client.js';

/** One request of the load: when it was sent and answered, and which backend answered (the body is its name). */
export interface Sample {
  client: 'keep-alive' | 'new-connection';
  sentAt: number;
  doneAt: number;
  status?: number;
  backend?: string;
  error?: string;
}

/**
 * Clients that loop requests until stopped: `keepAlive` of them each on its own keep-alive connection, and
 * `newConnection` of them opening a fresh connection per request. Times are `performance.now()`.
 */
export class Load {
  readonly samples: Sample[] = [];
  #stopped = false;
  readonly #loops: Promise<void>[] = [];
  readonly #agents: http.Agent[] = [];
  #waiters: Array<{ after: number; count: number; resolve: () => void }> = [];

  constructor(
    private readonly url: string,
    private readonly clients: { keepAlive: number; newConnection: number },
  ) {}

  start(): void {
    for (let i = 0; i < this.clients.keepAlive; i++) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.#agents.push(agent);
      this.#loops.push(this.#loop('keep-alive', agent));
    }
    for (let i = 0; i < this.clients.newConnection; i++) this.#loops.push(this.#loop('new-connection', false));
  }

  /** Resolves once `count` responses to requests sent after `after` have arrived. */
  answeredSince(after: number, count: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.push({ after, count, resolve });
      this.#check();
    });
  }

  async stop(): Promise<Sample[]> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    for (const agent of this.#agents) agent.destroy();
    return this.samples;
  }

  async #loop(client: Sample['client'], agent: http.Agent | false): Promise<void> {
    while (!this.#stopped) {
      const sentAt = performance.now();
      try {
        const response = await request(this.url, { agent });
        this.samples.push({
          client,
          sentAt,
          doneAt: performance.now(),
          status: response.status,
          backend: response.body,
        });
      } catch (error) {
        this.samples.push({ client, sentAt, doneAt: performance.now(), error: (error as Error).message });
      }
      this.#check();
    }
  }

  #check(): void {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      let seen = 0;
      for (let i = this.samples.length - 1; i >= 0 && seen < waiter.count; i--)
        if (this.samples[i]!.sentAt > waiter.after) seen++;
      if (seen < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }
}
