import * as hdr from 'hdr-histogram-js';
/** Status classes counted over time: 1xx is folded into 2xx (interim answers are not outcomes). */
const classes = ['2xx', '3xx', '4xx', '5xx'];
const WINDOW_SECONDS = 300;
function newHistogram() {
    // Microseconds from 1 µs to 1 hour at 2 significant digits: ~20 KiB, constant-time record.
    return hdr.build({
        lowestDiscernibleValue: 1,
        highestTrackableValue: 3_600_000_000,
        numberOfSignificantValueDigits: 2,
    });
}
function summary(h) {
    const ms = (us) => Math.round(us / 10) / 100;
    return {
        count: h.totalCount,
        p50: ms(h.getValueAtPercentile(50)),
        p90: ms(h.getValueAtPercentile(90)),
        p99: ms(h.getValueAtPercentile(99)),
        p999: ms(h.getValueAtPercentile(99.9)),
        max: ms(h.maxValue),
    };
}
/**
 * The proxy's traffic counters. The request path only adds to plain numbers and one histogram; Prometheus and the
 * status page read them when scraped, so observing costs nothing per request beyond this.
 */
export class RequestStats {
    totals = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
    openConnections = 0;
    activeRequests = 0;
    websockets = 0;
    #perSecond = new Uint32Array(WINDOW_SECONDS * classes.length);
    #secondOfSlot = new Float64Array(WINDOW_SECONDS);
    #sinceStart = newHistogram();
    #thisMinute = newHistogram();
    #lastMinute = newHistogram();
    #minute = Math.floor(Date.now() / 60_000);
    record(status, durationMs) {
        const index = status < 300 ? 0 : status < 400 ? 1 : status < 500 ? 2 : 3;
        this.totals[classes[index]]++;
        const now = Date.now();
        const second = Math.floor(now / 1000);
        const slot = second % WINDOW_SECONDS;
        if (this.#secondOfSlot[slot] !== second) {
            this.#secondOfSlot[slot] = second;
            this.#perSecond.fill(0, slot * classes.length, slot * classes.length + classes.length);
        }
        this.#perSecond[slot * classes.length + index]++;
        const micros = Math.max(1, Math.round(durationMs * 1000));
        this.#sinceStart.recordValue(micros);
        this.#rollMinute(now);
        this.#thisMinute.recordValue(micros);
    }
    #rollMinute(now) {
        const minute = Math.floor(now / 60_000);
        if (minute === this.#minute)
            return;
        const previous = this.#thisMinute;
        if (minute === this.#minute + 1) {
            this.#lastMinute.destroy();
            this.#lastMinute = previous;
        }
        else {
            previous.destroy();
            this.#lastMinute.reset();
        }
        this.#thisMinute = newHistogram();
        this.#minute = minute;
    }
    /** Everything a cluster primary needs to merge this worker's counters with the others' (see ClusterStats). */
    export() {
        this.#rollMinute(Date.now());
        return {
            snapshot: this.snapshot(),
            sinceStart: hdr.encodeIntoCompressedBase64(this.#sinceStart),
            lastMinute: hdr.encodeIntoCompressedBase64(this.#lastMinute),
        };
    }
    snapshot() {
        const now = Date.now();
        this.#rollMinute(now);
        const current = Math.floor(now / 1000);
        const statusOverTime = [];
        for (let second = current - WINDOW_SECONDS + 1; second <= current; second++) {
            const slot = second % WINDOW_SECONDS;
            if (this.#secondOfSlot[slot] !== second)
                continue;
            const base = slot * classes.length;
            statusOverTime.push({
                t: second,
                counts: {
                    '2xx': this.#perSecond[base],
                    '3xx': this.#perSecond[base + 1],
                    '4xx': this.#perSecond[base + 2],
                    '5xx': this.#perSecond[base + 3],
                },
            });
        }
        const active = Math.min(this.activeRequests, this.openConnections);
        return {
            requests: { ...this.totals },
            connections: {
                open: this.openConnections,
                active,
                idle: Math.max(0, this.openConnections - active - this.websockets),
                websockets: this.websockets,
            },
            statusOverTime,
            latencyMs: { sinceStart: summary(this.#sinceStart), lastMinute: summary(this.#lastMinute) },
        };
    }
}
/**
 * The cluster primary's view: the sum of its workers' last exports. Counters add up, per-second buckets add up by
 * second, and latency percentiles come from the merged histograms (percentiles themselves cannot be averaged).
 */
export class ClusterStats extends RequestStats {
    #merged;
    update(exports) {
        const requests = { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
        const connections = { open: 0, active: 0, idle: 0, websockets: 0 };
        const seconds = new Map();
        const sinceStart = newHistogram();
        const lastMinute = newHistogram();
        for (const { snapshot, sinceStart: a, lastMinute: b } of exports) {
            for (const c of classes)
                requests[c] += snapshot.requests[c];
            for (const key of Object.keys(connections))
                connections[key] += snapshot.connections[key];
            for (const { t, counts } of snapshot.statusOverTime) {
                const sum = seconds.get(t) ?? { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };
                for (const c of classes)
                    sum[c] += counts[c];
                seconds.set(t, sum);
            }
            for (const [target, encoded] of [
                [sinceStart, a],
                [lastMinute, b],
            ]) {
                const decoded = hdr.decodeFromCompressedBase64(encoded);
                target.add(decoded);
                decoded.destroy();
            }
        }
        Object.assign(this.totals, requests);
        this.openConnections = connections.open;
        this.activeRequests = connections.active;
        this.websockets = connections.websockets;
        this.#merged = {
            requests,
            connections,
            statusOverTime: [...seconds].sort((x, y) => x[0] - y[0]).map(([t, counts]) => ({ t, counts })),
            latencyMs: { sinceStart: summary(sinceStart), lastMinute: summary(lastMinute) },
        };
        sinceStart.destroy();
        lastMinute.destroy();
    }
    snapshot() {
        return this.#merged ?? super.snapshot();
    }
}
//# sourceMappingURL=stats.js.map