import { Redis } from 'ioredis';
import { waitFor } from './wait-for.js';

/** A plain ioredis client for a test (fails fast instead of retrying forever). */
export function redisClient(url: string): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
}

/** Resolves once `count` clients are subscribed to `channel` (a proxy's subscription is not announced otherwise). */
export async function waitForSubscribers(client: Redis, channel: string, count = 1, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    `${count} subscriber(s) on ${channel}`,
    async () => {
      const reply = (await client.pubsub('NUMSUB', channel)) as [string, number];
      return Number(reply[1]) >= count;
    },
    timeoutMs,
  );
}
