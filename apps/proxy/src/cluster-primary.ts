import cluster, { type Worker } from 'node:cluster';
import { type BackendState, describeState, type SwitchCommand, stateOf } from '@wunderproxy/proxy-client';
import { closeAdminServer, createAdminServer, processStatus } from './admin-api.js';
import { ListenError, listenOn, parseListenAddress } from './listen-address.js';
import { createMetricsRegistry } from './metrics.js';
import { initialCommand, type ProxyOptions, type RunningProxy } from './proxy-server.js';
import { startRedisChannel } from './redis-channel.js';
import { ClusterStats } from './stats.js';
import type { SwitchControl } from './switch-control.js';
import { isWorkerMessage, type PrimaryMessage, type WorkerMessage, type WorkerStatus } from './worker-messages.js';

/** How often the primary collects the workers' counters for /status.json and /metrics. */
const STATS_INTERVAL_MS = 1000;
/** A crashed worker is replaced after this pause, so a crash loop cannot spin the CPU. */
const RESTART_DELAY_MS = 1000;

interface WorkerEntry {
  worker: Worker;
  /** Got its initial state: from then on it receives every switch (IPC keeps their order). */
  initialized: boolean;
  listening: boolean;
  /** Replies the primary waits for, by sequence number; settled with undefined when the worker exits. */
  pending: Map<number, (message: WorkerMessage | undefined) => void>;
  status: WorkerStatus | undefined;
}

/**
 * The cluster primary: admin API, Redis channel and the SwitchControl; the workers run the public listener. A
 * switch is sent to every worker and resolves only when all of them have applied it, so an admin 200 or a Redis
 * ack still means that every new request goes to the new backend. A worker started later (or restarted after a
 * crash) gets the current state before it listens.
 */
export async function startClusterPrimary(options: ProxyOptions): Promise<RunningProxy> {
  const log = options.logger;
  const count = options.workers ?? 1;
  const listen = parseListenAddress(options.listen, '--listen');
  const admin = options.admin === null ? null : parseListenAddress(options.admin, '--admin', '127.0.0.1');
  let current: SwitchCommand | undefined = initialCommand(options.backend);
  let state: BackendState =
    current === undefined
      ? { url: null, maintenance: false, since: new Date().toISOString(), id: 'initial' }
      : stateOf(current);

  const workers = new Map<number, WorkerEntry>();
  const listeners = new Map<number, (port: number) => void>();
  let seq = 0;
  let closing = false;

  function post(entry: WorkerEntry, message: PrimaryMessage): void {
    if (entry.initialized && entry.worker.isConnected()) entry.worker.send(message);
  }
  function ask(entry: WorkerEntry, message: PrimaryMessage & { seq: number }): Promise<WorkerMessage | undefined> {
    // A worker not initialized yet gets the then-current state with its init: nothing to wait for.
    if (!entry.initialized) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      entry.pending.set(message.seq, resolve);
      post(entry, message);
    });
  }

  let startupFailed: ((error: Error) => void) | undefined;
  function fork(): WorkerEntry {
    const worker = cluster.fork();
    const entry: WorkerEntry = { worker, initialized: false, listening: false, pending: new Map(), status: undefined };
    workers.set(worker.id, entry);
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.wunderproxy === 'hello') {
        // The state current right now; a switch applied from here on reaches this worker after it (IPC keeps order).
        entry.initialized = true;
        post(entry, { wunderproxy: 'init', command: current });
      } else if (message.wunderproxy === 'listening') {
        entry.listening = true;
        listeners.get(worker.id)?.(message.port);
      } else {
        entry.pending.get(message.seq)?.(message);
        entry.pending.delete(message.seq);
      }
    });
    worker.once('exit', (code, signal) => {
      workers.delete(worker.id);
      for (const settle of entry.pending.values()) settle(undefined);
      if (closing) return;
      if (!entry.listening && startupFailed !== undefined) {
        startupFailed(
          new ListenError(`a proxy worker exited during start (code ${code}, signal ${signal}); see its log above`),
        );
        return;
      }
      // After start-up a worker that dies (even before it listened again) is replaced, never silently dropped.
      log.error({ worker: worker.process.pid, code, signal }, 'proxy worker died; starting a new one');
      setTimeout(() => {
        if (!closing) fork();
      }, RESTART_DELAY_MS).unref();
    });
    return entry;
  }

  // Set once the stats collector exists; apply() refreshes through it (below).
  let refreshStatus: () => Promise<void> = async () => {};
  const control: SwitchControl = {
    get state() {
      return state;
    },
    apply: async (command) => {
      const before = state;
      current = command;
      state = stateOf(command);
      const id = ++seq;
      await Promise.all([...workers.values()].map((entry) => ask(entry, { wunderproxy: 'apply', seq: id, command })));
      // The launcher reads drainingBackends right after the ack to decide when to stop the old container: it must
      // see this switch's drains, not the numbers of the last collection round (up to a second old).
      await refreshStatus().catch(() => {});
      log.info(
        { id: command.id, from: describeState(before), to: describeState(state), workers: workers.size },
        'switched on every worker',
      );
      return state;
    },
  };

  // Start the workers and wait until every one listens (the first failure, e.g. a busy port, fails the start).
  let port: number;
  try {
    const ports = await new Promise<number[]>((resolve, reject) => {
      startupFailed = reject;
      const found: number[] = [];
      for (let i = 0; i < count; i++) {
        const entry = fork();
        listeners.set(entry.worker.id, (p) => {
          found.push(p);
          if (found.length === count) resolve(found);
        });
      }
    });
    port = ports[0]!;
  } catch (error) {
    closing = true;
    for (const entry of workers.values()) entry.worker.kill();
    throw error;
  }
  startupFailed = undefined;

  const stats = new ClusterStats();
  let lastStatuses: WorkerStatus[] = [];
  const collect = async (): Promise<void> => {
    const id = ++seq;
    // A worker too busy to answer within the interval is left out of this round rather than stalling the rest.
    const late = (): Promise<undefined> =>
      new Promise((resolve) => setTimeout(() => resolve(undefined), STATS_INTERVAL_MS).unref());
    const replies = await Promise.all(
      [...workers.values()].map((entry) => Promise.race([ask(entry, { wunderproxy: 'status', seq: id }), late()])),
    );
    const statuses = replies.flatMap((reply) => (reply?.wunderproxy === 'status' ? [reply.status] : []));
    stats.update(statuses.map((s) => s.stats));
    lastStatuses = statuses;
  };
  await collect();
  refreshStatus = collect;
  const collector = setInterval(() => void collect().catch(() => {}), STATS_INTERVAL_MS);
  collector.unref();

  const redis = await startRedisChannel(options, control, log);

  const sum = (pick: (s: WorkerStatus) => number) => lastStatuses.reduce((total, s) => total + pick(s), 0);
  const drainingBackends = () => Math.max(0, ...lastStatuses.map((s) => s.drainingBackends));
  const metrics = createMetricsRegistry(stats, () => ({ drainingBackends: drainingBackends() }));
  const status = (): Record<string, unknown> => ({
    name: options.name,
    backend: state,
    drainingBackends: drainingBackends(),
    upstream: { sockets: sum((s) => s.upstream.sockets), freeSockets: sum((s) => s.upstream.freeSockets) },
    stats: stats.snapshot(),
    process: processStatus(),
    workers: lastStatuses.map((s) => ({
      pid: s.pid,
      requests: s.stats.snapshot.requests,
      connections: s.stats.snapshot.connections,
    })),
  });
  const adminServer = createAdminServer(
    { name: options.name, control, token: options.adminToken, log: log.child({ component: 'admin' }), metrics, status },
    redis,
  );
  let adminPort: number | undefined;
  try {
    if (admin !== null) adminPort = await listenOn(adminServer, admin, '--admin');
  } catch (error) {
    closing = true;
    for (const entry of workers.values()) entry.worker.kill();
    await redis?.stop();
    throw error;
  }
  log.info(
    {
      listen: `${listen.host}:${port}`,
      admin: admin && `${admin.host}:${adminPort}`,
      backend: state,
      workers: count,
      name: options.name,
    },
    'proxy listening',
  );

  let stopping: Promise<void> | undefined;
  const close = (drainTimeoutMs = options.drainTimeoutMs): Promise<void> => {
    stopping ??= (async () => {
      closing = true;
      clearInterval(collector);
      log.info({ drainTimeoutMs, workers: workers.size }, 'shutting down: draining every worker');
      const exited = [...workers.values()].map(
        ({ worker }) => new Promise<void>((resolve) => worker.once('exit', () => resolve())),
      );
      for (const entry of workers.values()) {
        // A worker still starting (forked as a replacement) has served nothing: it needs no drain.
        if (entry.initialized) post(entry, { wunderproxy: 'drain', timeoutMs: drainTimeoutMs });
        else entry.worker.kill();
      }
      // Bounded: a worker that cannot finish its drain must not keep the supervisor waiting forever.
      let giveUp: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>(
        (resolve) => (giveUp = setTimeout(() => resolve('late'), drainTimeoutMs + 5_000)),
      );
      if ((await Promise.race([Promise.all(exited), deadline])) === 'late') {
        log.warn({ workers: workers.size }, 'workers did not exit after the drain timeout; killing them');
        for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
        await Promise.all(exited);
      }
      clearTimeout(giveUp);
      await redis?.stop();
      await closeAdminServer(adminServer);
      log.info('proxy stopped');
    })();
    return stopping;
  };

  return { port, adminPort, control, close, stats, status };
}
