import { StringDecoder } from 'node:string_decoder';
import type { EngineProgressMessage } from './progress.js';

/**
 * Reads the engine's progress stream (one JSON object per line, lines may span chunks) and resolves with every
 * message once it ends. Errors arrive in-band as `{"error": …}` lines, so the caller inspects the result.
 */
export async function readProgressStream(
  stream: NodeJS.ReadableStream,
  onMessage: (message: EngineProgressMessage) => void,
): Promise<EngineProgressMessage[]> {
  const messages: EngineProgressMessage[] = [];
  let buffered = '';
  // A multi-byte character can straddle two chunks.
  const decoder = new StringDecoder('utf8');
  const take = (line: string): void => {
    const trimmed = line.trim();
    if (!trimmed) return;
    let message: EngineProgressMessage;
    try {
      message = JSON.parse(trimmed) as EngineProgressMessage;
    } catch {
      message = { status: trimmed };
    }
    messages.push(message);
    onMessage(message);
  };
  for await (const chunk of stream) {
    buffered += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      take(buffered.slice(0, newline));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
  take(buffered + decoder.end());
  return messages;
}

/** The first in-band error of a progress stream, if any. */
export function streamError(messages: readonly EngineProgressMessage[]): string | undefined {
  const failed = messages.find((m) => m.error || m.errorDetail?.message);
  return failed ? (failed.errorDetail?.message ?? failed.error) : undefined;
}
