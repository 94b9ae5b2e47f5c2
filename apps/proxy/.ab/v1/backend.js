import http from 'node:http';
import https from 'node:https';
import { proxyDefaults } from './defaults.js';
import { sendPage } from './pages/pages.js';
// RFC 6455 close frame from server to client (unmasked): FIN+close opcode, length 2, status 1001 "going away".
const CLOSE_GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);
/**
 * One upstream: its keep-alive agent and everything currently in flight on it. A request registers here when it
 * arrives (claim), so a switch never moves it; draining this backend waits for exactly these.
 */
export class Backend {
    origin;
    hostname;
    port;
    secure;
    agent;
    #requests = new Set();
    #tunnels = new Set();
    #idle = null;
    #drained = false;
    constructor(origin) {
        const url = new URL(origin);
        this.origin = url.origin;
        this.secure = url.protocol === 'https:';
        // URL keeps IPv6 literals bracketed; net.connect wants them bare.
        this.hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
        this.port = url.port === '' ? (this.secure ? 443 : 80) : Number(url.port);
        const options = {
            keepAlive: true,
            maxFreeSockets: proxyDefaults.maxFreeSockets,
            // LIFO reuses the warmest sockets and lets the rest time out, instead of keeping every socket barely alive.
            scheduling: 'lifo',
        };
        this.agent = this.secure ? new https.Agent(options) : new http.Agent(options);
    }
    get inFlight() {
        return this.#requests.size + this.#tunnels.size;
    }
    get draining() {
        return this.#drained;
    }
    claim(res) {
        this.#requests.add(res);
    }
    release(res) {
        if (this.#requests.delete(res))
            this.#checkIdle();
    }
    claimTunnel(socket) {
        this.#tunnels.add(socket);
        socket.once('close', () => {
            this.#tunnels.delete(socket);
            this.#checkIdle();
        });
    }
    /**
     * Waits until everything in flight has ended, at most `timeoutMs`; then answers unanswered requests 504, cuts
     * responses already streaming, closes websockets with 1001, and closes the idle upstream sockets.
     */
    async drain(timeoutMs) {
        this.#drained = true;
        const started = performance.now();
        let finished = true;
        if (this.inFlight > 0) {
            finished = await new Promise((resolve) => {
                const timer = setTimeout(() => {
                    this.#idle = null;
                    resolve(false);
                }, timeoutMs);
                timer.unref();
                this.#idle = () => {
                    clearTimeout(timer);
                    resolve(true);
                };
            });
        }
        const aborted = this.inFlight;
        for (const res of this.#requests) {
            if (!res.headersSent)
                sendPage(res, 504, 'drain');
            else
                res.destroy();
        }
        for (const socket of this.#tunnels) {
            socket.end(CLOSE_GOING_AWAY);
            socket.destroySoon();
        }
        this.#requests.clear();
        this.agent.destroy();
        return { finished, aborted, durationMs: Math.round(performance.now() - started) };
    }
    #checkIdle() {
        if (this.#idle !== null && this.inFlight === 0) {
            const idle = this.#idle;
            this.#idle = null;
            idle();
        }
    }
}
//# sourceMappingURL=backend.js.map