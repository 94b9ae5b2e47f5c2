import http, {} from 'node:http';
import https from 'node:https';
import { ProxyServer } from 'http-proxy-3';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './forward-headers.js';
import { sendPage } from './pages/pages.js';
class BackendTimeoutError extends Error {
    code = 'BACKEND_TIMEOUT';
}
/**
 * The request path. Plain HTTP goes through a lean node:http pipe with the backend's keep-alive agent (profiled:
 * http-proxy-3's per-request passes and option merging cost a third of the throughput, see the README's
 * benchmark section); upgrades (websockets) go through http-proxy-3, which handles their handshake well.
 */
export function createForwarder(options) {
    const { stats, log, backendTimeoutMs, healthCheckPath } = options;
    const theSwitch = options.switch;
    const debug = log.isLevelEnabled('debug');
    function forward(backend, req, res, retried) {
        const encrypted = req.socket.encrypted === true;
        const { headers, requestId, hasBody } = upstreamRequestHeaders(req, encrypted);
        const request = backend.secure ? https.request : http.request;
        const proxyReq = request({
            agent: backend.agent,
            hostname: backend.hostname,
            port: backend.port,
            method: req.method,
            path: req.url,
            headers,
            setHost: req.headers.host === undefined,
        });
        proxyReq.setTimeout(backendTimeoutMs, () => proxyReq.destroy(new BackendTimeoutError('backend timeout')));
        proxyReq.on('response', (proxyRes) => {
            if (res.destroyed) {
                proxyRes.destroy();
                return;
            }
            res.writeHead(proxyRes.statusCode ?? 502, proxyRes.statusMessage, downstreamResponseHeaders(proxyRes.rawHeaders, requestId));
            proxyRes.on('error', () => res.destroy());
            proxyRes.on('aborted', () => res.destroy());
            proxyRes.pipe(res);
        });
        proxyReq.on('error', (error) => {
            if (res.headersSent) {
                res.destroy();
                return;
            }
            // A keep-alive socket the backend closed just as we reused it: safe to send again when no body was sent.
            if (!retried && !hasBody && proxyReq.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
                forward(backend, req, res, true);
                return;
            }
            if (res.destroyed)
                return;
            if (error instanceof BackendTimeoutError)
                sendPage(res, 504, 'timeout');
            else if (error.code === 'ECONNREFUSED')
                sendPage(res, 502, 'backend-unreachable');
            else
                sendPage(res, 502, 'backend-error');
            if (debug)
                log.debug({ requestId, backend: backend.origin, err: error.message }, 'backend error');
        });
        res.on('close', () => {
            if (!res.writableFinished)
                proxyReq.destroy();
        });
        if (hasBody)
            req.pipe(proxyReq);
        else
            proxyReq.end();
    }
    function onRequest(req, res) {
        const started = performance.now();
        const route = theSwitch.route;
        stats.activeRequests++;
        const backend = route.kind === 'backend' ? route.backend : undefined;
        if (backend !== undefined)
            backend.claim(res);
        res.once('close', () => {
            stats.activeRequests--;
            backend?.release(res);
            const ms = performance.now() - started;
            stats.record(res.statusCode, ms);
            if (debug)
                log.debug({ method: req.method, url: req.url, status: res.statusCode, ms, backend: backend?.origin }, 'request');
        });
        if (backend !== undefined)
            forward(backend, req, res, false);
        else if (route.kind === 'maintenance') {
            if (req.url === healthCheckPath) {
                res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3, 'cache-control': 'no-store' });
                res.end('ok\n');
            }
            else
                sendPage(res, 503, 'maintenance');
        }
        else
            sendPage(res, 502, 'no-backend');
    }
    const wsProxy = new ProxyServer({ ws: true, xfwd: true });
    wsProxy.on('error', () => {
        // handled per call below; this listener keeps EventEmitter from throwing on unhandled 'error'
    });
    function refuseUpgrade(socket, status, text) {
        socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    }
    function onUpgrade(req, socket, head) {
        const route = theSwitch.route;
        if (route.kind !== 'backend') {
            refuseUpgrade(socket, route.kind === 'maintenance' ? 503 : 502, route.kind === 'maintenance' ? 'Service Unavailable' : 'Bad Gateway');
            return;
        }
        const backend = route.backend;
        const client = req.socket;
        backend.claimTunnel(client);
        stats.websockets++;
        client.once('close', () => stats.websockets--);
        client.on('error', () => client.destroy());
        if (req.headers['x-request-id'] === undefined)
            req.headers['x-request-id'] = crypto.randomUUID();
        wsProxy.ws(req, socket, head, { target: backend.origin }, (error) => {
            if (debug)
                log.debug({ url: req.url, backend: backend.origin, err: error.message }, 'websocket proxy error');
            // Refused means no handshake happened yet, so an HTTP answer is still possible; later, only closing is.
            if (error.code === 'ECONNREFUSED' && socket.writable)
                refuseUpgrade(socket, 502, 'Bad Gateway');
            else
                socket.destroy();
        });
    }
    return { onRequest, onUpgrade };
}
//# sourceMappingURL=forward.js.map