import { type ProxyOptions, type RunningProxy } from './proxy-server.js';
/**
 * A cluster worker: the public listener, its Switch and the forwarder; no admin API and no Redis (the primary
 * has them). It waits for the primary's current state before it listens, then applies every switch the primary
 * relays and acknowledges it, so the primary can tell when all workers route new requests to the new backend.
 */
export declare function startClusterWorker(options: ProxyOptions): Promise<RunningProxy>;
//# sourceMappingURL=cluster-worker.d.ts.map