/**
 * Drill history per service: the newest twenty rehearsals of any of its environments, newest
 * first. The runbook's estimates and the card's "last rehearsed" line read it.
 */
import type { Redis } from 'ioredis';
import type { DrillRecord } from '../../../domain/drill.js';
import type { DrillHistory } from '../../../flows/ports/stores.js';

const KEEP = 20;

export class DrillStore implements DrillHistory {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(service: string): string {
    return `${this.prefix}:drills:${service}`;
  }

  async record(drill: DrillRecord): Promise<void> {
    await this.redis
      .multi()
      .lpush(this.key(drill.service), JSON.stringify(drill))
      .ltrim(this.key(drill.service), 0, KEEP - 1)
      .exec();
  }

  async recent(service: string): Promise<DrillRecord[]> {
    const texts = await this.redis.lrange(this.key(service), 0, KEEP - 1);
    return texts.map((text) => JSON.parse(text) as DrillRecord);
  }
}
