/** Why a deploy did not put traffic on a new container; the CLI maps `code` to an exit code in one place. */
export class DeployError extends Error {
  constructor(
    readonly code: 'DEPLOY_FAILED' | 'DEPLOY_LOCKED' | 'BAD_INPUT' | 'HEALTH_CHECK_FAILED' | 'NOT_FOUND',
    message: string,
    /** The container's last log lines, when a container was involved. */
    readonly containerLog?: string,
  ) {
    super(message);
    this.name = 'DeployError';
  }
}
