/** Exit codes of every command, in one place (DESIGN.md). */
export const ExitCode = {
  ok: 0,
  /** The operation failed; for deploys: the old backend is still serving. */
  failed: 1,
  /** Bad input: flags, config, addresses. Nothing was changed. */
  badInput: 2,
} as const;

/** Error codes that mean "bad input" rather than "failed". */
const badInputCodes = new Set([
  'LISTEN_FAILED',
  'INVALID_SWITCH',
  'CONFIG_INVALID',
  'CONFIG_FETCH_FAILED',
  'BAD_INPUT',
  'REGISTRY_CONFIG_INVALID',
]);

export function exitCodeFor(error: unknown): number {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && badInputCodes.has(code) ? ExitCode.badInput : ExitCode.failed;
}

/** Prints one clear line for an error and exits with its code. */
export function failWith(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`wunderproxy: ${message}\n`);
  process.exit(exitCodeFor(error));
}
