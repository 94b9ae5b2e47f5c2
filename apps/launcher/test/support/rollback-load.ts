import { Agent } from 'node:http';
import { httpGet } from './test-proxy.js';

export interface LoadResult {
  ok: number;
  /** Non-200 answers and connection errors, each with what went wrong. */
  failures: string[];
  /** Answers per body (`sample-app v1` …). */
  bodies: Record<string, number>;
  /** The body of the last answer each client got. */
  lastBodies: string[];
}

/**
 * `clients` keep-alive clients, each on its own agent with one socket, looping GET / through the proxy until
 * stopped: the traffic a rollback must not drop a request of.
 */
export class KeepAliveLoad {
  readonly #url: URL;
  readonly #agents: Agent[];
  readonly #result: LoadResult = { ok: 0, failures: [], bodies: {}, lastBodies: [] };
  #running = false;
  #loops: Promise<void>[] = [];

  constructor(url: string, clients: number) {
    this.#url = new URL('/', url);
    this.#agents = Array.from({ length: clients }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  }

  get answered(): number {
    return this.#result.ok + this.#result.failures.length;
  }

  start(): void {
    this.#running = true;
    this.#loops = this.#agents.map((agent, index) => this.#loop(agent, index));
  }

  /** Resolves once `count` more answers arrived. */
  async waitForAnswers(count: number, timeoutMs = 10_000): Promise<void> {
    const target = this.answered + count;
    const deadline = Date.now() + timeoutMs;
    while (this.answered < target) {
      if (Date.now() > deadline) throw new Error(`load: only ${this.answered} of ${target} answers in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<LoadResult> {
    this.#running = false;
    await Promise.all(this.#loops);
    for (const agent of this.#agents) agent.destroy();
    return this.#result;
  }

  async #loop(agent: Agent, index: number): Promise<void> {
    while (this.#running) {
      try {
        const { status, body } = await httpGet(this.#url.href, agent);
        if (status === 200) {
          this.#result.ok++;
          const key = body.trim();
          this.#result.bodies[key] = (this.#result.bodies[key] ?? 0) + 1;
          this.#result.lastBodies[index] = key;
        } else this.#result.failures.push(`client ${index}: HTTP ${status} ${body.trim().slice(0, 80)}`);
      } catch (error) {
        this.#result.failures.push(`client ${index}: ${(error as Error).message}`);
      }
    }
  }
}
