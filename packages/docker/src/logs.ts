import type { Connection } from './connection.js';
import { containerNotFoundOr } from './connection.js';

export interface LogChunk {
  stream: 'stdout' | 'stderr';
  text: string;
}

/**
 * Splits the engine's multiplexed log body (8-byte headers: stream type, 3 zero bytes, big-endian length) into
 * chunks in arrival order. Containers with a TTY send raw bytes instead; the caller knows which it has.
 */
export function demultiplexLogs(body: Buffer): LogChunk[] {
  const chunks: LogChunk[] = [];
  let offset = 0;
  while (offset + 8 <= body.length) {
    const type = body[offset];
    const length = body.readUInt32BE(offset + 4);
    const end = Math.min(body.length, offset + 8 + length);
    const text = body.subarray(offset + 8, end).toString('utf8');
    chunks.push({ stream: type === 2 ? 'stderr' : 'stdout', text });
    offset = end;
  }
  return chunks;
}

/** The last `lines` lines of stdout and stderr (interleaved as written), e.g. to explain a failed health check. */
export async function containerLogs(connection: Connection, id: string, lines = 50): Promise<LogChunk[]> {
  const container = connection.api.getContainer(id);
  try {
    const [info, body] = await Promise.all([
      container.inspect(),
      container.logs({ stdout: true, stderr: true, follow: false, tail: lines }),
    ]);
    const buffer = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
    return info.Config.Tty ? [{ stream: 'stdout', text: buffer.toString('utf8') }] : demultiplexLogs(buffer);
  } catch (error) {
    throw containerNotFoundOr(connection, id, error);
  }
}

export async function containerLogsTail(connection: Connection, id: string, lines = 50): Promise<string> {
  return (await containerLogs(connection, id, lines)).map((chunk) => chunk.text).join('');
}
