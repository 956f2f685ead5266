/**
 * Members of the approver user groups (S…), from `usergroups.users.list`, cached briefly so a burst
 * of clicks costs one call while a membership change still takes effect within a minute.
 */
import type { WebClient } from '@slack/web-api';

const CACHE_MS = 60_000;

export class GroupDirectory {
  private readonly cache = new Map<string, { members: Set<string>; until: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Members of every group among `ids` (user ids are skipped). A group Slack cannot list has no members. */
  async membersOf(ids: string[]): Promise<Set<string>> {
    const members = new Set<string>();
    for (const id of ids.filter((candidate) => candidate.startsWith('S'))) {
      for (const member of await this.groupMembers(id)) members.add(member);
    }
    return members;
  }

  private async groupMembers(id: string): Promise<Set<string>> {
    const cached = this.cache.get(id);
    if (cached && cached.until > this.now()) return cached.members;
    try {
      const response = await this.client.usergroups.users.list({ usergroup: id });
      const members = new Set(response.users ?? []);
      this.cache.set(id, { members, until: this.now() + CACHE_MS });
      return members;
    } catch {
      // Deny by default: a group Slack cannot list (deleted, no scope) approves nobody.
      return new Set();
    }
  }
}
