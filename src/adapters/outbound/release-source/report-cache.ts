/**
 * The safety report of each incident, kept in Redis so every re-render of the card (approvals,
 * progress, restarts) reads it instead of analysing the release again.
 */
import type { Redis } from 'ioredis';
import type { SafetyReport } from '../../../domain/safety/types.js';

/** Kept well past any incident's life: a card updated weeks later still shows its analysis. */
const DEFAULT_TTL_SECONDS = 90 * 86_400;

export class SafetyReportCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = DEFAULT_TTL_SECONDS,
  ) {}

  private key(incidentId: string): string {
    return `${this.prefix}:safety-report:${incidentId}`;
  }

  async put(incidentId: string, report: SafetyReport): Promise<void> {
    await this.redis.set(this.key(incidentId), JSON.stringify(report), 'EX', this.ttlSeconds);
  }

  async get(incidentId: string): Promise<SafetyReport | undefined> {
    const text = await this.redis.get(this.key(incidentId));
    return text ? (JSON.parse(text) as SafetyReport) : undefined;
  }
}
