import { pino } from 'pino';
import { expect, test } from 'vitest';
import { Switch } from './switch.js';

const log = pino({ level: 'silent' });

test('starts with no backend and binds the route that is current when asked', () => {
  const theSwitch = new Switch(log, 1000);
  expect(theSwitch.route.kind).toBe('none');
  expect(theSwitch.state).toMatchObject({ url: null, maintenance: false });

  theSwitch.apply({ id: 's1', url: 'http://127.0.0.1:1' });
  const first = theSwitch.route;
  expect(first.kind === 'backend' && first.backend.origin).toBe('http://127.0.0.1:1');
  theSwitch.apply({ id: 's2', url: 'http://127.0.0.1:2' });
  expect(first.kind === 'backend' && first.backend.draining).toBe(true);
  const second = theSwitch.route;
  expect(second.kind === 'backend' && second.backend.origin).toBe('http://127.0.0.1:2');
  expect(theSwitch.state).toMatchObject({ url: 'http://127.0.0.1:2', id: 's2', maintenance: false });
});

test('keeps the same Backend (and its keep-alive agent) when switched to the URL it already has', () => {
  const theSwitch = new Switch(log, 1000);
  theSwitch.apply({ id: 's1', url: 'http://127.0.0.1:1' });
  const before = theSwitch.route;
  theSwitch.apply({ id: 's2', url: 'http://127.0.0.1:1' });
  expect(theSwitch.route).toBe(before);
  expect(before.kind === 'backend' && before.backend.draining).toBe(false);
  expect(theSwitch.state.id).toBe('s2');
});

test('goes to maintenance and back, draining the backend it leaves', async () => {
  const theSwitch = new Switch(log, 1000);
  theSwitch.apply({ id: 's1', url: 'http://127.0.0.1:1' });
  const old = theSwitch.route;
  theSwitch.apply({ id: 'm', maintenance: true });
  expect(theSwitch.route.kind).toBe('maintenance');
  expect(theSwitch.state).toMatchObject({ url: null, maintenance: true, id: 'm' });
  expect(old.kind === 'backend' && old.backend.draining).toBe(true);
  await theSwitch.drainAll(100);
  expect(theSwitch.drainingCount).toBe(0);
});
