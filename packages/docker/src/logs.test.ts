import { describe, expect, it } from 'vitest';
import { demultiplexLogs } from './logs.js';

function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('demultiplexLogs', () => {
  it('splits stdout and stderr frames in order, multi-byte text included', () => {
    const body = Buffer.concat([frame(1, 'one\n'), frame(2, 'zwei → drei\n'), frame(1, '')]);
    expect(demultiplexLogs(body)).toEqual([
      { stream: 'stdout', text: 'one\n' },
      { stream: 'stderr', text: 'zwei → drei\n' },
      { stream: 'stdout', text: '' },
    ]);
  });

  it('keeps what arrived of a truncated last frame', () => {
    const body = Buffer.concat([frame(1, 'whole\n'), frame(2, 'cut off here').subarray(0, 11)]);
    expect(demultiplexLogs(body)).toEqual([
      { stream: 'stdout', text: 'whole\n' },
      { stream: 'stderr', text: 'cut' },
    ]);
  });
});
