import type { AppConfig } from '@wunderproxy/config';
import type { AppContainer, AppContainerSummary, DockerClient } from '@wunderproxy/docker';
import { launcherDefaults } from './defaults.js';
import { type DeployLog, formatDuration } from './deploy-log.js';
import type { DeployRecord } from './deploy-record.js';
import type { DeployHistory } from './history.js';
import { pruneBeyond } from './host-containers.js';
import type { ProxyLink } from './proxy-link.js';

export interface AfterSwitchOptions {
  docker: DockerClient;
  link: Pick<ProxyLink, 'waitForDrain'>;
  log: DeployLog;
  history: DeployHistory;
  /** Old containers kept stopped for rollback. */
  retain: number;
  config: AppConfig;
  record: DeployRecord;
  /** The container traffic is on now. */
  started: AppContainer;
  /** The container that served before the switch, if any: drained, then stopped. */
  old: AppContainerSummary | undefined;
}

/**
 * Drain, retire the old container, prune beyond --retain. Traffic is already on the new container: a failure here
 * is an `ok: false` step line (a warning for the operator), never a failed deploy. Never throws.
 */
export async function afterSwitch(options: AfterSwitchOptions): Promise<void> {
  const { docker, link, log, history, retain, config, record, started, old } = options;
  // log.step has already written the `ok: false` line of a step that threw: go on with the next one.
  const warnOnly = () => undefined;
  if (old !== undefined) {
    await log
      .step(
        'drain',
        () => link.waitForDrain(),
        (how) =>
          how === 'drained'
            ? 'proxy drained the old container'
            : how === 'grace'
              ? `gave in-flight requests ${formatDuration(launcherDefaults.drainGraceMs)} (no admin API to ask)`
              : 'drain wait timed out',
      )
      .catch(warnOnly);
    await log
      .step(
        'retire',
        () => docker.stopContainer(old.id, config.container.stopTimeoutSeconds),
        () => `retired old container ${old.name}`,
      )
      .catch(warnOnly);
  }
  const pruneStarted = performance.now();
  try {
    // The deploys a rollback goes back to: their images stay even when their containers were removed by hand.
    const { records } = await history.load().catch(() => ({ records: [] as DeployRecord[] }));
    const keptDeploys = records.filter((r) => r.outcome === 'succeeded' && r.id !== record.id).slice(0, retain);
    const keepImages = new Set([config.image, ...keptDeploys.map((r) => r.image)]);
    const pruned = await pruneBeyond(docker, config.name, retain, new Set([started.id]), keepImages);
    if (pruned.containers.length > 0) {
      log.note(
        'prune',
        `pruned ${pruned.containers.length} old container(s) beyond --retain ${retain}${pruned.images.length ? ` and image(s) ${pruned.images.join(', ')}` : ''}`,
        pruned,
      );
    }
  } catch (error) {
    log.record({
      step: 'prune',
      message: `prune failed: ${(error as Error).message}`,
      durationMs: performance.now() - pruneStarted,
      ok: false,
    });
  }
}
