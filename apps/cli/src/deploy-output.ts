import { DeployError, type DeployRecord, formatDuration, type LogFormat } from '@wunderproxy/launcher';

/** The closing line of a deploy or rollback, and the container log when a health check failed. */
export function reportDeployFailure(error: unknown): void {
  if (error instanceof DeployError && error.containerLog !== undefined) {
    const log = error.containerLog.trimEnd();
    process.stderr.write(
      log === '' ? "(the container's log is empty)\n" : `--- last 50 lines of the container's log ---\n${log}\n---\n`,
    );
  }
}

export function reportDeploySuccess(record: DeployRecord, verb: string, format: LogFormat = 'text'): void {
  const total = Date.parse(record.finishedAt ?? new Date().toISOString()) - Date.parse(record.startedAt);
  const where = record.container ? ` on ${record.container.name} (127.0.0.1:${record.container.hostPort})` : '';
  const message = `${verb} ${record.id}: traffic${where}`;
  // --log-format json: every stdout line is JSON, the closing one too (shaped like a step line).
  if (format === 'json') {
    const line = {
      time: new Date().toISOString(),
      deploy: record.id,
      step: 'done',
      message,
      durationMs: total,
      ok: true,
      details: { container: record.container },
    };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } else process.stdout.write(`${message}, ${formatDuration(total)} in all\n`);
}
