import { DeployError, type DeployRecord, formatDuration } from '@wunderproxy/launcher';

/** The closing line of a deploy or rollback, and the container log when a health check failed. */
export function reportDeployFailure(error: unknown): void {
  if (error instanceof DeployError && error.containerLog !== undefined) {
    const log = error.containerLog.trimEnd();
    process.stderr.write(
      log === '' ? "(the container's log is empty)\n" : `--- last 50 lines of the container's log ---\n${log}\n---\n`,
    );
  }
}

export function reportDeploySuccess(record: DeployRecord, verb: string): void {
  const total = Date.parse(record.finishedAt ?? new Date().toISOString()) - Date.parse(record.startedAt);
  const where = record.container ? ` on ${record.container.name} (127.0.0.1:${record.container.hostPort})` : '';
  process.stdout.write(`${verb} ${record.id}: traffic${where}, ${formatDuration(total)} in all\n`);
}
