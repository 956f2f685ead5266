/**
 * Display names for the write-up (`users.info`), so the postmortem a manager reads says "Dana
 * Lee", not "U0LEAD". Cached for a while; a user Slack cannot find keeps their id.
 */
import type { WebClient } from '@slack/web-api';

const CACHE_MS = 10 * 60_000;
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

export class PeopleDirectory {
  private readonly cache = new Map<string, { name?: string; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  async names(ids: Iterable<string>): Promise<Record<string, string>> {
    const names: Record<string, string> = {};
    for (const id of new Set(ids)) {
      if (!SLACK_USER_ID.test(id)) continue;
      const name = await this.name(id);
      if (name) names[id] = name;
    }
    return names;
  }

  private async name(id: string): Promise<string | undefined> {
    const cached = this.cache.get(id);
    if (cached && cached.until > this.now()) return cached.name;
    let name: string | undefined;
    try {
      const { user } = await this.client.users.info({ user: id });
      // Documents read best with real names; display names are often nicknames or empty.
      name = user?.real_name || user?.profile?.display_name || user?.name || undefined;
    } catch {
      name = undefined;
    }
    this.cache.set(id, { name, until: this.now() + CACHE_MS });
    return name;
  }
}
