import { Agent } from 'node:http';
import { httpGet } from './test-proxy.js';

/** One request of the load: when it was sent and answered, and what answered. */
export interface Sample {
  sentAt: number;
  doneAt: number;
  status?: number;
  body?: string;
  error?: string;
}

/** `clients` loops, each on its own keep-alive connection, sending GET / until stopped. */
export class KeepAliveLoad {
  readonly samples: Sample[] = [];
  #stopped = false;
  readonly #loops: Promise<void>[] = [];
  readonly #agents: Agent[] = [];

  constructor(
    private readonly url: string,
    private readonly clients: number,
    /** Pause between one client's requests; 0 loops flat out. */
    private readonly pauseMs = 0,
  ) {}

  start(): void {
    for (let i = 0; i < this.clients; i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      this.#agents.push(agent);
      this.#loops.push(this.#loop(agent));
    }
  }

  /** Resolves once `count` requests have been answered (or failed) in all. */
  async answered(count: number): Promise<void> {
    while (this.samples.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  async stop(): Promise<Sample[]> {
    this.#stopped = true;
    await Promise.all(this.#loops);
    for (const agent of this.#agents) agent.destroy();
    return this.samples;
  }

  async #loop(agent: Agent): Promise<void> {
    while (!this.#stopped) {
      const sentAt = performance.now();
      try {
        const response = await httpGet(this.url, agent);
        this.samples.push({ sentAt, doneAt: performance.now(), status: response.status, body: response.body.trim() });
      } catch (error) {
        this.samples.push({ sentAt, doneAt: performance.now(), error: (error as Error).message });
      }
      if (this.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.pauseMs));
    }
  }
}
