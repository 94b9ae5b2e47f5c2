import type { ServerResponse } from 'node:http';
/** Why the proxy answered itself; shows in the page and the `X-Wunderproxy-Error` header. */
export type PageReason = 'no-backend' | 'backend-unreachable' | 'backend-error' | 'timeout' | 'drain' | 'maintenance';
/**
 * Sets the maintenance page (from `--maintenance-page FILE`, or the built-in one when undefined) and its
 * Retry-After seconds. Process-wide: a proxy started later in the same process replaces it.
 */
export declare function configureMaintenancePage(page: Buffer | undefined, retryAfterSeconds: number): void;
export declare function sendPage(res: ServerResponse, status: 502 | 503 | 504, reason: PageReason): void;
//# sourceMappingURL=pages.d.ts.map