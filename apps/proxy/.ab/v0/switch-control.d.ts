import type { BackendState, SwitchCommand } from '@wunderproxy/proxy-client';
/**
 * Applies switches for the admin API and the Redis channel. In one process it is the Switch itself; with cluster
 * workers it is the primary, which resolves only once every worker has swapped (so an ack means "all new
 * requests go to the new backend").
 */
export interface SwitchControl {
    readonly state: BackendState;
    apply(command: SwitchCommand): Promise<BackendState>;
}
//# sourceMappingURL=switch-control.d.ts.map