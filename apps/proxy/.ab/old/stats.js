import * as hdr from 'hdr-histogram-js';
/** Status classes counted over time: 1xx is folded into 2xx (interim answers are not outcomes). */
const classes = ['2xx', '3xx', '4xx', '5xx'];
const WINDOW_SECONDS = 300;
function newHistogram() {
    // Microseconds from 1 µs to 1 hour at 2 significant digits: ~20 KiB, constant-time record.
    return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 2 });
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
//# sourceMappingURL=stats.js.map