import type { AppContainerSummary, DockerClient } from '@wunderproxy/docker';
import type { BackendState } from '@wunderproxy/proxy-client';
import type { DeployRecord } from './deploy-record.js';
import { DeployError } from './errors.js';
import type { DeployHistory } from './history.js';
import { appContainersNow } from './host-containers.js';

export interface RollbackPlan {
  /** The recorded deploy to go back to. */
  target: DeployRecord;
  /** Its container, when it is still on this host (stopped): started again instead of recreated. */
  kept: AppContainerSummary | undefined;
  /** Skipped history entries, said before the rollback's steps. */
  warnings: string[];
}

/**
 * The deploy a rollback of `app` goes back to: `targetId`, else the newest successful one that is not serving now.
 * Starts nothing. Throws DeployError: NOT_FOUND when there is none, BAD_INPUT when the target serves now.
 */
export async function planRollback(options: {
  app: string;
  targetId: string | undefined;
  history: DeployHistory;
  docker: DockerClient;
  currentBackend: () => Promise<BackendState | null>;
}): Promise<RollbackPlan> {
  const { app, targetId } = options;
  const { records, warnings } = await options.history.load();
  const serving = await options.currentBackend();
  const now = await appContainersNow(options.docker, app, serving);
  const candidates = records.filter((r) => r.outcome === 'succeeded');
  const currentDeployId = now.serving?.deployId;
  let target: DeployRecord | undefined;
  if (targetId !== undefined) {
    target = records.find((r) => r.id === targetId);
    if (target === undefined) throw new DeployError('NOT_FOUND', `no deploy ${targetId} in the history of "${app}"`);
  } else {
    target = candidates.find((r) => r.id !== currentDeployId && r.container?.id !== now.serving?.id);
    if (target === undefined)
      throw new DeployError('NOT_FOUND', `no earlier successful deploy of "${app}" to roll back to`);
  }
  if (target.container !== null && target.container.id === now.serving?.id) {
    throw new DeployError('BAD_INPUT', `deploy ${target.id} is the one serving now`);
  }
  const keptId = target.container?.id;
  const kept = keptId === undefined ? undefined : now.kept.find((c) => c.id === keptId);
  return { target, kept, warnings };
}
