import type { BackendState } from '@wunderproxy/proxy-client';
import { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SwitchControl } from './switch-control.js';
export interface AdminApiOptions {
    name: string;
    control: SwitchControl;
    /** Bearer token every /api/* call must carry; none when undefined. */
    token: string | undefined;
    log: Logger;
    metrics: Registry;
    status: () => Record<string, unknown>;
    /** Called after an admin switch, e.g. to store the state in Redis. */
    onSwitched?: (state: BackendState) => Promise<void>;
}
/** The admin API of DESIGN.md: /api/backend, /status(.json), /metrics, /healthz. */
export declare function createAdminApi(options: AdminApiOptions): Express;
//# sourceMappingURL=admin-api.d.ts.map