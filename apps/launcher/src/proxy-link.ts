import {
  type BackendState,
  readBackendState,
  type SwitchCommand,
  SwitchError,
  switchViaAdmin,
  switchViaRedis,
} from '@wunderproxy/proxy-client';
import { launcherDefaults } from './defaults.js';

/** How the launcher reaches the proxies of an app. */
export interface ProxyLinkOptions {
  /** Switch every proxy of the app through Redis; without it, the local proxy's admin API. */
  redisUrl?: string | undefined;
  /** The local proxy's admin API: used to switch without Redis, and to ask whether the old backend has drained. */
  adminUrl: string;
  adminToken?: string | undefined;
  ackTimeoutMs: number;
}

export interface SwitchOutcome {
  /** Proxies that confirmed (1 through the admin API). */
  confirmed: number;
  subscribers: number;
  via: 'redis' | 'admin';
}

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The launcher's side of the switch protocol: read the current backend, switch with acks, wait for the drain. */
export class ProxyLink {
  constructor(private readonly options: ProxyLinkOptions) {}

  /** The backend the proxies serve now (Redis key, else the admin API); null when unknown. */
  async currentBackend(app: string): Promise<BackendState | null> {
    if (this.options.redisUrl) return await readBackendState(this.options.redisUrl, app);
    try {
      const response = await fetch(new URL('/api/backend', this.options.adminUrl), {
        headers: authHeaders(this.options.adminToken),
        signal: AbortSignal.timeout(2_000),
      });
      return response.ok ? ((await response.json()) as BackendState) : null;
    } catch {
      return null;
    }
  }

  /**
   * Switches and waits for confirmation. Through Redis, zero acks is a failure: the state key is put back to
   * `previous`, so a proxy that starts later does not come up on a container the launcher is about to remove.
   */
  async switchTo(app: string, command: SwitchCommand, previous: BackendState | null): Promise<SwitchOutcome> {
    const { redisUrl, adminUrl, adminToken, ackTimeoutMs } = this.options;
    if (!redisUrl) {
      await switchViaAdmin({ adminUrl, token: adminToken, command, timeoutMs: ackTimeoutMs });
      return { confirmed: 1, subscribers: 1, via: 'admin' };
    }
    const result = await switchViaRedis({ redisUrl, name: app, command, timeoutMs: ackTimeoutMs });
    const ok = result.acks.filter((ack) => ack.ok).length;
    const refused = result.acks.filter((ack) => !ack.ok);
    if (ok === 0 || refused.length > 0) {
      if (previous !== null) {
        const back: SwitchCommand =
          previous.maintenance || previous.url === null
            ? { id: previous.id, maintenance: true }
            : { id: previous.id, url: previous.url };
        await switchViaRedis({ redisUrl, name: app, command: back, timeoutMs: ackTimeoutMs }).catch(() => undefined);
      }
      const why =
        refused.length > 0
          ? `${refused.length} prox${refused.length === 1 ? 'y' : 'ies'} refused the switch (${refused.map((ack) => `${ack.proxy}: ${ack.error ?? '?'}`).join('; ')})`
          : `no proxy named "${app}" confirmed the switch within ${ackTimeoutMs} ms (${result.subscribers} subscribed)`;
      throw new SwitchError(refused.length > 0 ? 'SWITCH_REFUSED' : 'SWITCH_UNCONFIRMED', why);
    }
    return { confirmed: ok, subscribers: result.subscribers, via: 'redis' };
  }

  /**
   * Waits until the local proxy has no old backend draining (its in-flight requests finished), asking its admin
   * API; without one, gives in-flight requests a fixed grace. Returns how it knew.
   */
  async waitForDrain(maxWaitMs: number = launcherDefaults.maxDrainWaitMs): Promise<'drained' | 'grace' | 'timeout'> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      let draining: number | undefined;
      try {
        const response = await fetch(new URL('/status.json', this.options.adminUrl), {
          signal: AbortSignal.timeout(1_000),
        });
        if (response.ok) draining = ((await response.json()) as { drainingBackends?: number }).drainingBackends;
      } catch {
        draining = undefined;
      }
      if (draining === undefined) {
        await new Promise((resolve) => setTimeout(resolve, launcherDefaults.drainGraceMs));
        return 'grace';
      }
      if (draining === 0) return 'drained';
      if (Date.now() > deadline) return 'timeout';
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export { SwitchError };
