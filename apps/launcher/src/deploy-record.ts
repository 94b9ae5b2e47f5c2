import { Ajv } from 'ajv';
import type { DeployStep } from './deploy-log.js';

export type DeployOutcome = 'running' | 'succeeded' | 'failed';

/** One deploy (or rollback) as kept in the history: enough to redo it without the config URL. */
export interface DeployRecord {
  id: string;
  app: string;
  image: string;
  /** Where the config came from (null for a rollback that reused a stored one). */
  configUrl: string | null;
  /** The exact config document of this deploy, as fetched. */
  configText: string;
  /** Who or what started it: `cli root@host`, `api`, `userdata`, `rollback`. */
  trigger: string;
  startedAt: string;
  finishedAt: string | null;
  outcome: DeployOutcome;
  error: string | null;
  container: { id: string; name: string; hostPort: number } | null;
  /** For a rollback: the deploy it went back to. */
  rollbackOf: string | null;
  steps: DeployStep[];
}

const schema = {
  type: 'object',
  required: [
    'id',
    'app',
    'image',
    'configUrl',
    'configText',
    'trigger',
    'startedAt',
    'finishedAt',
    'outcome',
    'error',
    'container',
    'rollbackOf',
    'steps',
  ],
  properties: {
    id: { type: 'string', minLength: 1 },
    app: { type: 'string', minLength: 1 },
    image: { type: 'string', minLength: 1 },
    configUrl: { type: ['string', 'null'] },
    configText: { type: 'string', minLength: 2 },
    trigger: { type: 'string' },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    outcome: { enum: ['running', 'succeeded', 'failed'] },
    error: { type: ['string', 'null'] },
    container: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['id', 'name', 'hostPort'],
          properties: { id: { type: 'string' }, name: { type: 'string' }, hostPort: { type: 'integer' } },
        },
      ],
    },
    rollbackOf: { type: ['string', 'null'] },
    steps: { type: 'array' },
  },
} as const;

const validate = new Ajv({ allErrors: false, strict: false }).compile(schema);

/** Checks one stored entry; returns the reason it is unusable, or null. */
export function invalidRecordReason(value: unknown): string | null {
  if (validate(value)) return null;
  const error = validate.errors?.[0];
  return error ? `${error.instancePath || 'entry'} ${error.message ?? 'invalid'}` : 'invalid entry';
}

/** Deploy ids sort by time and read well in a table: `20261125-073512-a1b2`. */
export function newDeployId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${Math.random().toString(16).slice(2, 6)}`;
}
