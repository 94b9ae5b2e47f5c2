import { request } from 'node:http';

export interface HealthGateOptions {
  port: number;
  path: string;
  intervalMs: number;
  timeoutMs: number;
  /** Resolves with the exit code when the container stops: the gate fails at once instead of waiting it out. */
  exited: Promise<{ exitCode: number }>;
}

export interface HealthGateResult {
  healthy: boolean;
  durationMs: number;
  attempts: number;
  /** Why it failed, for the operator: status codes seen, connection errors, exit code. */
  reason: string;
}

interface Probe {
  status?: number;
  error?: string;
}

function probe(port: number, path: string, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.end();
  });
}

function summarize(seen: Map<string, number>): string {
  return [...seen].map(([what, count]) => `${what} ×${count}`).join(', ');
}

/**
 * Polls GET http://127.0.0.1:PORT/PATH every intervalMs until a 2xx or the timeout; fails as soon as the container
 * exits. The proxy never health-checks: this gate is the only one, so it runs before any switch.
 */
export async function waitUntilHealthy(options: HealthGateOptions): Promise<HealthGateResult> {
  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const seen = new Map<string, number>();
  let attempts = 0;
  let exit: { exitCode: number } | undefined;
  // Also ends the wait between probes: the race below returns as soon as the container exits.
  const exitedEarly = options.exited.then((result) => {
    exit = result;
  });

  while (exit === undefined) {
    attempts++;
    const remaining = deadline - performance.now();
    const result = await probe(options.port, options.path, Math.max(100, Math.min(options.intervalMs * 5, remaining)));
    if (result.status !== undefined && result.status >= 200 && result.status < 300) {
      return { healthy: true, durationMs: performance.now() - started, attempts, reason: '' };
    }
    const what = result.status !== undefined ? `HTTP ${result.status}` : result.error!;
    seen.set(what, (seen.get(what) ?? 0) + 1);
    if (performance.now() + options.intervalMs > deadline) break;
    await Promise.race([new Promise<void>((resolve) => setTimeout(resolve, options.intervalMs).unref()), exitedEarly]);
  }
  const durationMs = performance.now() - started;
  const probes = seen.size > 0 ? `; probes of ${options.path}: ${summarize(seen)}` : '';
  if (exit !== undefined) {
    return {
      healthy: false,
      durationMs,
      attempts,
      reason: `container exited with code ${exit.exitCode} before it was healthy${probes}`,
    };
  }
  return {
    healthy: false,
    durationMs,
    attempts,
    reason: `no 2xx from ${options.path} within ${Math.round(options.timeoutMs / 1000)} s${probes}`,
  };
}
