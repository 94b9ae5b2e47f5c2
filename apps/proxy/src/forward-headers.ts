import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

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
const NO_TOKENS: string[] = [];

/** Extra hop-by-hop names a `Connection: close, X-Foo` header declares (rare; only then a second pass runs). */
function connectionTokens(value: string): string[] {
  if (PLAIN_CONNECTION_VALUES.has(value)) return NO_TOKENS;
  const tokens: string[] = [];
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase();
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') tokens.push(name);
  }
  return tokens;
}

function without(headers: string[], names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!names.includes(headers[i]!.toLowerCase())) out.push(headers[i]!, headers[i + 1]!);
  }
  return out;
}

export interface UpstreamRequestHeaders {
  /** Flat [name, value, …] list as node's http.request accepts it (keeps case, order and repeated fields). */
  headers: string[];
  requestId: string;
  /** Whether the request carries a body (Content-Length > 0 or a Transfer-Encoding). */
  hasBody: boolean;
}

/**
 * The request's headers as the backend gets them: hop-by-hop fields removed; X-Forwarded-For appended with the
 * client address; X-Forwarded-Proto and -Host set unless a load balancer in front already set them (an ELB
 * terminates TLS, so its `https` is the truth); an X-Request-Id kept or created.
 */
export function upstreamRequestHeaders(req: IncomingMessage, encrypted: boolean): UpstreamRequestHeaders {
  const raw = req.rawHeaders;
  const headers: string[] = [];
  let forwardedFor = '';
  let hasProto = false;
  let forwardedHost = false;
  let host: string | undefined;
  let requestId: string | undefined;
  let hasBody = false;
  let declaredHopByHop: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'transfer-encoding') hasBody = true;
      else if (lower === 'connection') {
        const tokens = connectionTokens(value);
        if (tokens.length > 0) declaredHopByHop = [...(declaredHopByHop ?? []), ...tokens];
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
  if (remote.startsWith('::ffff:')) remote = remote.slice(7);
  headers.push('X-Forwarded-For', forwardedFor === '' ? remote : `${forwardedFor}, ${remote}`);
  if (!hasProto) headers.push('X-Forwarded-Proto', encrypted ? 'https' : 'http');
  if (!forwardedHost && host !== undefined) headers.push('X-Forwarded-Host', host);
  if (requestId === undefined) {
    requestId = randomUUID();
    headers.push('X-Request-Id', requestId);
  }
  return { headers: declaredHopByHop ? without(headers, declaredHopByHop) : headers, requestId, hasBody };
}

/** A raw header name or value as undici hands it over (a Buffer) or as tests write it; header bytes are latin1. */
function text(field: Buffer | string): string {
  return typeof field === 'string' ? field : field.toString('latin1');
}

/**
 * The backend's response headers as the client gets them: hop-by-hop removed, X-Request-Id added when absent. Takes
 * undici's raw [name, value, …] Buffers as they are, so each field is decoded once, in this one pass.
 */
export function downstreamResponseHeaders(raw: ReadonlyArray<Buffer | string>, requestId: string): string[] {
  const headers: string[] = [];
  let hasRequestId = false;
  let declaredHopByHop: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = text(raw[i]!);
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) {
      if (lower === 'connection') {
        const tokens = connectionTokens(text(raw[i + 1]!));
        if (tokens.length > 0) declaredHopByHop = [...(declaredHopByHop ?? []), ...tokens];
      }
      continue;
    }
    if (lower === 'x-request-id') hasRequestId = true;
    headers.push(name, text(raw[i + 1]!));
  }
  if (!hasRequestId) headers.push('X-Request-Id', requestId);
  return declaredHopByHop ? without(headers, declaredHopByHop) : headers;
}
