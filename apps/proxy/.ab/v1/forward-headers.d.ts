import type { IncomingMessage } from 'node:http';
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
export declare function upstreamRequestHeaders(req: IncomingMessage, encrypted: boolean): UpstreamRequestHeaders;
/** The backend's response headers as the client gets them: hop-by-hop removed, X-Request-Id added when absent. */
export declare function downstreamResponseHeaders(raw: string[], requestId: string): string[];
//# sourceMappingURL=forward-headers.d.ts.map