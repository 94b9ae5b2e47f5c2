import { expect, test } from 'vitest';
import { describeState, newSwitchId, stateOf } from './backend-state.js';
import { redisKeys } from './redis-keys.js';

test('turns a command into the state shape of GET /api/backend', () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  expect(stateOf({ id: 'a', url: 'http://h:1' }, at)).toEqual({
    url: 'http://h:1',
    maintenance: false,
    since: at.toISOString(),
    id: 'a',
  });
  expect(stateOf({ id: 'm', maintenance: true }, at)).toEqual({
    url: null,
    maintenance: true,
    since: at.toISOString(),
    id: 'm',
  });
});

test('describes a state in words for logs', () => {
  const since = new Date().toISOString();
  expect(describeState({ url: 'http://h:1', maintenance: false, since, id: 'a' })).toBe('http://h:1');
  expect(describeState({ url: null, maintenance: true, since, id: 'm' })).toBe('maintenance');
  expect(describeState({ url: null, maintenance: false, since, id: 'i' })).toBe('no backend');
});

test('makes unique switch ids', () => {
  const ids = new Set(Array.from({ length: 100 }, () => newSwitchId()));
  expect(ids.size).toBe(100);
});

test('names the Redis key and channels of DESIGN.md', () => {
  expect(redisKeys('shop')).toEqual({
    backend: 'wunderproxy:shop:backend',
    switch: 'wunderproxy:shop:switch',
    ack: 'wunderproxy:shop:ack',
  });
});
