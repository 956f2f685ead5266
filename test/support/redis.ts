/**
 * A Redis connection per test file with a unique key prefix, so parallel tests never see each
 * other's keys; `cleanup()` deletes only keys under that prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export interface TestRedis {
  redis: Redis;
  prefix: string;
  url: string;
  cleanup(): Promise<void>;
}

export function redisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the global setup should have set it');
  return url;
}

export function uniquePrefix(label = 't'): string {
  return `rbtest-${label}-${randomBytes(4).toString('hex')}`;
}

export async function testRedis(label = 't'): Promise<TestRedis> {
  const url = redisUrl();
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const prefix = uniquePrefix(label);
  return {
    redis,
    prefix,
    url,
    async cleanup() {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}
