import { expect, test } from 'vitest';
import { missingNodeFlags } from './node-flags.js';

test('names the V8 flags node was started without, in either spelling V8 accepts', () => {
  expect(missingNodeFlags([])).toEqual(['--no-memory-reducer']);
  expect(missingNodeFlags(['--enable-source-maps'])).toEqual(['--no-memory-reducer']);
  expect(missingNodeFlags(['--no-memory-reducer'])).toEqual([]);
  expect(missingNodeFlags(['--no_memory_reducer'])).toEqual([]);
});
