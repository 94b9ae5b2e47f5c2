import { startProxy } from './proxy-server.js';
import { isPrimaryMessage } from './worker-messages.js';
function send(message) {
    process.send?.(message);
}
/**
 * A cluster worker: the public listener, its Switch and the forwarder; no admin API and no Redis (the primary
 * has them). It waits for the primary's current state before it listens, then applies every switch the primary
 * relays and acknowledges it, so the primary can tell when all workers route new requests to the new backend.
 */
export async function startClusterWorker(options) {
    const log = options.logger.child({ worker: process.pid });
    // Messages are handled one after the other, in arrival order: `init` (which starts the proxy) before any `apply`.
    let queue = Promise.resolve();
    let resolveInit;
    const init = new Promise((resolve) => (resolveInit = resolve));
    let started;
    const running = new Promise((resolve) => (started = resolve));
    const handle = async (message) => {
        switch (message.wunderproxy) {
            case 'init':
                resolveInit(message.command);
                await running;
                return;
            case 'apply': {
                const state = await (await running).control.apply(message.command);
                send({ wunderproxy: 'applied', seq: message.seq, state });
                return;
            }
            case 'status': {
                const current = await running;
                const status = current.status();
                send({
                    wunderproxy: 'status',
                    seq: message.seq,
                    status: {
                        pid: process.pid,
                        drainingBackends: status.drainingBackends,
                        upstream: status.upstream,
                        stats: current.stats.export(),
                    },
                });
                return;
            }
            case 'drain':
                await (await running).close(message.timeoutMs);
                process.exit(0);
        }
    };
    process.on('message', (message) => {
        if (!isPrimaryMessage(message))
            return;
        queue = queue
            .then(() => handle(message))
            .catch((error) => log.error({ err: error.message }, 'worker message failed'));
    });
    // The primary is gone (crashed or killed): finish what is in flight and leave.
    process.once('disconnect', () => {
        void running.then((current) => current.close()).finally(() => process.exit(0));
    });
    send({ wunderproxy: 'hello' });
    const command = await init;
    const backend = command === undefined ? undefined : command.maintenance === true ? 'maintenance' : command.url;
    const proxy = await startProxy({ ...options, logger: log, workers: 1, admin: null, redis: undefined, backend });
    started(proxy);
    send({ wunderproxy: 'listening', port: proxy.port });
    return proxy;
}
//# sourceMappingURL=cluster-worker.js.map