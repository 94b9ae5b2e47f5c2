import { describe, expect, it } from 'vitest';
import { type ImageProgressEvent, logProgress, toProgressEvent, ttyProgress } from './progress.js';

const layer = 'a3ed95caeb02';
const downloading = (current: number): ImageProgressEvent =>
  toProgressEvent({ id: layer, status: 'Downloading', progressDetail: { current, total: 2_000_000 } })!;

describe('toProgressEvent', () => {
  it('turns hex ids into layer events with a phase and byte counts', () => {
    expect(downloading(500)).toEqual({
      kind: 'layer',
      layerId: layer,
      phase: 'downloading',
      status: 'Downloading',
      current: 500,
      total: 2_000_000,
    });
    expect(toProgressEvent({ id: layer, status: 'Pull complete', progressDetail: {} })).toMatchObject({
      phase: 'complete',
    });
    expect(toProgressEvent({ id: layer, status: 'Mounted from library/x' })).toMatchObject({ phase: 'exists' });
  });

  it('treats the tag id of "Pulling from" and id-less lines as messages', () => {
    expect(toProgressEvent({ id: 'v2', status: 'Pulling from team/app' })).toEqual({
      kind: 'message',
      message: 'v2: Pulling from team/app',
    });
    expect(toProgressEvent({ status: 'Digest: sha256:abc' })).toEqual({
      kind: 'message',
      message: 'Digest: sha256:abc',
    });
    expect(toProgressEvent({ aux: { Digest: 'sha256:abc' } })).toBeUndefined();
  });
});

describe('logProgress', () => {
  it('writes one line per layer phase, not one per chunk', () => {
    const lines: string[] = [];
    const renderer = logProgress((line) => lines.push(line));
    renderer.onProgress(toProgressEvent({ id: layer, status: 'Pulling fs layer' })!);
    for (let i = 1; i <= 50; i++) renderer.onProgress(downloading(i * 40_000));
    renderer.onProgress(toProgressEvent({ id: layer, status: 'Pull complete' })!);
    renderer.finish();
    expect(lines).toEqual([`${layer}: Pulling fs layer`, `${layer}: Downloading (1.9 MB)`, `${layer}: Pull complete`]);
  });
});

describe('ttyProgress', () => {
  it('redraws each layer line in place and throttles byte-count updates', () => {
    let output = '';
    const renderer = ttyProgress({ write: (text: string) => (output += text), columns: 200 });
    renderer.onProgress({ kind: 'message', message: 'v2: Pulling from team/app' });
    renderer.onProgress(toProgressEvent({ id: layer, status: 'Pulling fs layer' })!);
    renderer.onProgress(toProgressEvent({ id: 'bbbbbbbbbbbb', status: 'Pulling fs layer' })!);
    renderer.onProgress(downloading(1_000_000));
    const before = output.length;
    for (let i = 0; i < 20; i++) renderer.onProgress(downloading(1_000_000 + i));
    // Same phase within the redraw interval: nothing written until finish.
    expect(output.length).toBe(before);
    renderer.finish();
    expect(output.length).toBeGreaterThan(before);
    const lastFrame = output.slice(output.lastIndexOf('\x1b[2A'));
    expect(lastFrame).toContain(`\x1b[2K${layer}: Downloading [==============>               ] 976.6 KB/1.9 MB`);
    expect(lastFrame).toContain('\x1b[2Kbbbbbbbbbbbb: Pulling fs layer\n');
    expect(output.startsWith('v2: Pulling from team/app\n')).toBe(true);
  });
});
