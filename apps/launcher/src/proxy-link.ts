import {
  type BackendState,
  readBackendState,
  redisKeys,
  restoreBackendState,
  type SwitchCommand,
  SwitchError,
  switchViaAdmin,
  switchViaRedis,
} from '@wunderproxy/proxy-client';
import { launcherDefaults } from './defaults.js';
import { DeployError } from './errors.js';

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

/** Why a fetch threw, in the operator's words: refused, timed out, or the cause's own message. */
function fetchFailure(error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError' || err.name === 'AbortError')
    return `no answer within ${launcherDefaults.adminReadTimeoutMs} ms (timeout)`;
  if (err.cause?.code === 'ECONNREFUSED') return 'connection refused';
  return err.cause?.message ?? err.message;
}

function authHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** The launcher's side of the switch protocol: read the current backend, switch with acks, wait for the drain. */
export class ProxyLink {
  constructor(private readonly options: ProxyLinkOptions) {}

  /**
   * The backend the proxies serve now (Redis key, else the admin API). Null means "no state": Redis has no key, or
   * the admin API answered without a backend. A state that cannot be read throws a DeployError with the reason:
   * the launcher must not guess what serves (it would take the live container for an orphan).
   */
  async currentBackend(app: string): Promise<BackendState | null> {
    const { redisUrl, adminUrl, adminToken } = this.options;
    if (redisUrl) {
      try {
        return await readBackendState(redisUrl, app);
      } catch (error) {
        throw new DeployError(
          'DEPLOY_FAILED',
          `cannot read the current backend of "${app}" from Redis at ${redisUrl}: ${(error as Error).message}`,
        );
      }
    }
    const cannot = (reason: string) =>
      new DeployError(
        'DEPLOY_FAILED',
        `cannot read the current backend from the proxy admin API at ${adminUrl}: ${reason}`,
      );
    let response: Response;
    try {
      response = await fetch(new URL('/api/backend', adminUrl), {
        headers: authHeaders(adminToken),
        signal: AbortSignal.timeout(launcherDefaults.adminReadTimeoutMs),
      });
    } catch (error) {
      throw cannot(fetchFailure(error));
    }
    if (response.status === 401) throw cannot('HTTP 401 (wrong or missing --admin-token)');
    if (!response.ok) throw cannot(`HTTP ${response.status}`);
    let state: BackendState;
    try {
      state = (await response.json()) as BackendState;
    } catch (error) {
      throw cannot(`unreadable answer (${(error as Error).message})`);
    }
    if (typeof state !== 'object' || state === null || (state.url !== null && typeof state.url !== 'string'))
      throw cannot('the answer is not a backend state');
    return state;
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
      // Put the state key back as it was (no key at all when there was none), so a proxy that starts later does not
      // come up on the container the launcher is about to remove; proxies that did apply the switch go back too.
      let restoreFailed = '';
      try {
        if (ok > 0 && previous !== null) {
          const back: SwitchCommand =
            previous.maintenance || previous.url === null
              ? { id: previous.id, maintenance: true }
              : { id: previous.id, url: previous.url };
          await switchViaRedis({ redisUrl, name: app, command: back, timeoutMs: ackTimeoutMs });
        }
        await restoreBackendState(redisUrl, app, previous);
      } catch (error) {
        restoreFailed = `; putting ${redisKeys(app).backend} back failed too (${(error as Error).message}): a proxy that starts now may come up on the new container, which is being removed`;
      }
      const why =
        refused.length > 0
          ? `${refused.length} prox${refused.length === 1 ? 'y' : 'ies'} refused the switch (${refused.map((ack) => `${ack.proxy}: ${ack.error ?? '?'}`).join('; ')})`
          : `no proxy named "${app}" confirmed the switch within ${ackTimeoutMs} ms (${result.subscribers} subscribed)`;
      throw new SwitchError(refused.length > 0 ? 'SWITCH_REFUSED' : 'SWITCH_UNCONFIRMED', `${why}${restoreFailed}`);
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
