/** One finished step of a deploy, as printed and as kept in the deploy record. */
export interface DeployStep {
  /** Machine name of the step, e.g. `fetch-config`. */
  step: string;
  /** What the operator reads, e.g. `fetched config (s3://bucket/app.json)`. */
  message: string;
  durationMs: number;
  ok: boolean;
  at: string;
  /** Extra facts for machines (ports, counts, ids). */
  details?: Record<string, unknown>;
}

export type LogFormat = 'text' | 'json';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * Collects a deploy's steps with their durations and writes each as one line the moment it ends: text for people
 * (`pulled image 3.1 s`), JSON lines for machines.
 */
export class DeployLog {
  readonly steps: DeployStep[] = [];
  readonly #write: (line: string) => void;
  readonly #format: LogFormat;
  readonly #deployId: string;

  constructor(options: { deployId: string; format: LogFormat; write: (line: string) => void }) {
    this.#deployId = options.deployId;
    this.#format = options.format;
    this.#write = options.write;
  }

  /** Runs one step; `describe` turns its result into the line shown (the duration is appended). */
  async step<T>(
    step: string,
    run: () => Promise<T>,
    describe: (result: T) => string | { message: string; details?: Record<string, unknown> },
  ): Promise<T> {
    const started = performance.now();
    let result: T;
    try {
      result = await run();
    } catch (error) {
      this.record({
        step,
        message: `${step} failed: ${(error as Error).message}`,
        durationMs: performance.now() - started,
        ok: false,
      });
      throw error;
    }
    const described = describe(result);
    const { message, details } = typeof described === 'string' ? { message: described, details: undefined } : described;
    this.record({ step, message, durationMs: performance.now() - started, ok: true, ...(details ? { details } : {}) });
    return result;
  }

  /** A line that is not a timed step (warnings, cleanups found on the way). */
  note(step: string, message: string, details?: Record<string, unknown>): void {
    this.record({ step, message, durationMs: 0, ok: true, ...(details ? { details } : {}) });
  }

  record(entry: Omit<DeployStep, 'at'>): void {
    const step: DeployStep = { ...entry, durationMs: Math.round(entry.durationMs), at: new Date().toISOString() };
    this.steps.push(step);
    if (this.#format === 'json') {
      this.#write(`${JSON.stringify({ time: step.at, deploy: this.#deployId, ...step })}\n`);
    } else {
      const duration = step.durationMs > 0 || entry.step !== 'note' ? ` ${formatDuration(step.durationMs)}` : '';
      this.#write(`${step.ok ? '' : 'ERROR '}${step.message}${step.durationMs > 0 ? duration : ''}\n`);
    }
  }
}
