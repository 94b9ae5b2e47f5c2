import { describe, expect, test } from 'vitest';
import { type DeployRecord, invalidRecordReason, newDeployId } from './deploy-record.js';

const valid: DeployRecord = {
  id: '20260101-000001-ab12',
  app: 'app',
  image: 'sample-app:v1',
  configUrl: null,
  configText: '{"name":"app","image":"sample-app:v1"}',
  trigger: 'api',
  startedAt: '2026-01-01T00:00:01.000Z',
  finishedAt: null,
  outcome: 'running',
  error: null,
  container: null,
  rollbackOf: null,
  steps: [],
};

describe('invalidRecordReason', () => {
  test('accepts a complete record, with or without a container', () => {
    expect(invalidRecordReason(valid)).toBeNull();
    expect(invalidRecordReason({ ...valid, container: { id: 'c', name: 'n', hostPort: 32768 } })).toBeNull();
  });

  test.each([
    ['a missing config document', { ...valid, configText: undefined }, 'configText'],
    ['an empty config document', { ...valid, configText: '' }, '/configText'],
    ['an unknown outcome', { ...valid, outcome: 'exploded' }, '/outcome'],
    ['a container without a port', { ...valid, container: { id: 'c', name: 'n' } }, '/container'],
    ['a numeric id', { ...valid, id: 7 }, '/id'],
  ])('names the field of %s', (_what, entry, field) => {
    expect(invalidRecordReason(entry)).toContain(field);
  });

  test('rejects what is not a record at all', () => {
    expect(invalidRecordReason('{"id": "half')).not.toBeNull();
    expect(invalidRecordReason(null)).not.toBeNull();
    expect(invalidRecordReason([valid])).not.toBeNull();
  });
});

describe('newDeployId', () => {
  test('reads as the UTC time it was made and sorts by it', () => {
    expect(newDeployId(new Date('2026-11-25T07:35:12.345Z'))).toMatch(/^20261125-073512-[0-9a-f]{1,4}$/);
    const earlier = newDeployId(new Date('2026-11-25T07:35:12Z'));
    const later = newDeployId(new Date('2026-11-25T07:35:13Z'));
    expect(earlier.slice(0, 15) < later.slice(0, 15)).toBe(true);
  });
});
