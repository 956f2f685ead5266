/**
 * Durability settings the bot depends on: BullMQ jobs and incidents must not be evicted, and should
 * survive a Redis restart. Warned about at start, never silently accepted.
 */
import type { Redis } from 'ioredis';

export async function redisDurabilityProblems(redis: Redis): Promise<string[]> {
  const problems: string[] = [];
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    if (policy && policy !== 'noeviction') {
      problems.push(
        `Redis maxmemory-policy is ${policy}; set noeviction so queued rollbacks are never evicted`,
      );
    }
    const [, aof] = (await redis.config('GET', 'appendonly')) as string[];
    if (aof === 'no')
      problems.push('Redis appendonly is off; enable AOF (everysec) so incidents survive a Redis restart');
  } catch {
    problems.push(
      'could not read the Redis configuration (CONFIG GET refused); check noeviction and AOF by hand',
    );
  }
  return problems;
}
