/**
 * V8 flags the proxy needs on node's command line. `bin/wunderproxy` passes them (keep the two lists equal);
 * NODE_OPTIONS refuses V8 flags like these, and setting them at run time is too late (the heap is set up by then).
 *
 * `--no-memory-reducer`: after about 8 s without traffic, V8's memory reducer shrinks the heap and then leaves it in
 * its "grow slowly" mode for good. The old-generation limit then sits about 24 MB above the live heap, which is less
 * than the young generation plus its large-object space, so incremental marking starts again right after every
 * mark-compact: under load, a full GC every ~40 ms. Measured on 64 KiB responses: ~105 µs CPU per request before the
 * first idle pause and ~180 µs after it, for the rest of the process's life; with the flag, ~105 µs throughout
 * (apps/proxy/BENCHMARK.md, "The idle-pause GC storm").
 */
export const proxyNodeFlags = ['--no-memory-reducer'] as const;

/** The flags of `proxyNodeFlags` this process was started without (V8 accepts `_` for `-` in flag names). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  const given = new Set(execArgv.map((arg) => arg.replaceAll('_', '-')));
  return proxyNodeFlags.filter((flag) => !given.has(flag));
}
