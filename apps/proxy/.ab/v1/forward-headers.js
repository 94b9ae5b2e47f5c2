import { randomUUID } from 'node:crypto';
// RFC 9110 §7.6.1 hop-by-hop fields, plus the non-standard Proxy-Connection some clients still send. They describe
// one connection, so they never cross the proxy; node sets its own Connection/Transfer-Encoding per side.
const HOP_BY_HOP = new Set([
    'connection',
    'keep-alive',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
    'proxy-authenticate',
    'proxy-authorization',
    // node already answered `100 Continue` to the client; the backend must not be asked to wait again
    'expect',
]);
// The values nearly every `Connection` header carries; they declare no extra field, so no parsing is needed.
const PLAIN_CONNECTION_VALUES = new Set(['keep-alive', 'Keep-Alive', 'close', 'Close', 'upgrade', 'Upgrade']);
const NO_TOKENS = [];
/** Extra hop-by-hop names a `Connection: close, X-Foo` header declares (rare; only then a second pass runs). */
function connectionTokens(value) {
    if (PLAIN_CONNECTION_VALUES.has(value))
        return NO_TOKENS;
    const tokens = [];
    for (const token of value.split(',')) {
        const name = token.trim().toLowerCase();
        if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade')
            tokens.push(name);
    }
    return tokens;
}
function without(headers, names) {
    const out = [];
    for (let i = 0; i < headers.length; i += 2) {
        if (!names.includes(headers[i].toLowerCase()))
            out.push(headers[i], headers[i + 1]);
    }
    return out;
}
/**
 * The request's headers as the backend gets them: hop-by-hop fields removed; X-Forwarded-For appended with the
 * client address; X-Forwarded-Proto and -Host set unless a load balancer in front already set them (an ELB
 * terminates TLS, so its `https` is the truth); an X-Request-Id kept or created.
 */
export function upstreamRequestHeaders(req, encrypted) {
    const raw = req.rawHeaders;
    const headers = [];
    let forwardedFor = '';
    let hasProto = false;
    let forwardedHost = false;
    let host;
    let requestId;
    let hasBody = false;
    let declaredHopByHop;
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i];
        const value = raw[i + 1];
        const lower = name.toLowerCase();
        if (HOP_BY_HOP.has(lower)) {
            if (lower === 'transfer-encoding')
                hasBody = true;
            else if (lower === 'connection') {
                const tokens = connectionTokens(value);
                if (tokens.length > 0)
                    declaredHopByHop = [...(declaredHopByHop ?? []), ...tokens];
            }
            continue;
        }
        switch (lower) {
            case 'x-forwarded-for':
                forwardedFor = forwardedFor === '' ? value : `${forwardedFor}, ${value}`;
                continue;
            case 'x-forwarded-proto':
                hasProto = true;
                break;
            case 'x-forwarded-host':
                forwardedHost = true;
                break;
            case 'host':
                host = value;
                break;
            case 'x-request-id':
                requestId = value;
                break;
            case 'content-length':
                hasBody = value !== '0';
                break;
        }
        headers.push(name, value);
    }
    let remote = req.socket.remoteAddress ?? '';
    if (remote.startsWith('::ffff:'))
        remote = remote.slice(7);
    headers.push('X-Forwarded-For', forwardedFor === '' ? remote : `${forwardedFor}, ${remote}`);
    if (!hasProto)
        headers.push('X-Forwarded-Proto', encrypted ? 'https' : 'http');
    if (!forwardedHost && host !== undefined)
        headers.push('X-Forwarded-Host', host);
    if (requestId === undefined) {
        requestId = randomUUID();
        headers.push('X-Request-Id', requestId);
    }
    return { headers: declaredHopByHop ? without(headers, declaredHopByHop) : headers, requestId, hasBody };
}
/** The backend's response headers as the client gets them: hop-by-hop removed, X-Request-Id added when absent. */
export function downstreamResponseHeaders(raw, requestId) {
    const headers = [];
    let hasRequestId = false;
    let declaredHopByHop;
    for (let i = 0; i < raw.length; i += 2) {
        const name = raw[i];
        const lower = name.toLowerCase();
        if (HOP_BY_HOP.has(lower)) {
            if (lower === 'connection') {
                const tokens = connectionTokens(raw[i + 1]);
                if (tokens.length > 0)
                    declaredHopByHop = [...(declaredHopByHop ?? []), ...tokens];
            }
            continue;
        }
        if (lower === 'x-request-id')
            hasRequestId = true;
        headers.push(name, raw[i + 1]);
    }
    if (!hasRequestId)
        headers.push('X-Request-Id', requestId);
    return declaredHopByHop ? without(headers, declaredHopByHop) : headers;
}
//# sourceMappingURL=forward-headers.js.map