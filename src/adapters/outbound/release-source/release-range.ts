/**
 * Which two revisions bound the release to analyse: the incident's versions when both are known
 * (the target is the old side, the running version the new one), else a deploy event's commit
 * range. Pure; every revision is checked against the contract's value pattern before git sees it.
 */
import { isSafeValue } from '../../../domain/values.js';

/** The release as git reads it: from the version rolled back to, to the version running now. */
export interface ReleaseRange {
  /** The old side (what the rollback returns to). */
  from: string;
  /** The new side (the release being rolled back). */
  to: string;
  /** `a...b` ranges diff from the merge base, as `git diff a...b` does. */
  mergeBase: boolean;
  /** Where the range came from, for the card. */
  origin: 'versions' | 'deploy';
}

/** What the incident and the deploy history know. */
export interface RangeHints {
  /** The running (bad) version. */
  fromVersion?: string;
  /** The version rolled back to. */
  toVersion?: string;
  /** `<from>..<to>` (or `...`) from the deploy event, when CI sent one. */
  commitRange?: string;
}

const RANGE = /^(.+?)(\.\.\.?)(.+)$/;

export function releaseRange(hints: RangeHints): ReleaseRange | { reason: string } {
  const { fromVersion, toVersion, commitRange } = hints;
  if (fromVersion !== undefined && toVersion !== undefined) {
    for (const value of [fromVersion, toVersion])
      if (!isSafeValue(value)) return { reason: `The version "${value}" is not a valid revision name.` };
    if (fromVersion === toVersion)
      return {
        reason: `The running version and the target are both ${toVersion}: there is no release to analyse.`,
      };
    return { from: toVersion, to: fromVersion, mergeBase: false, origin: 'versions' };
  }
  if (commitRange !== undefined) {
    const match = RANGE.exec(commitRange);
    const [from, dots, to] = [match?.[1], match?.[2], match?.[3]];
    if (!from || !to || !isSafeValue(from) || !isSafeValue(to) || from.includes('..') || to.includes('..'))
      return { reason: `The deploy event's commit range "${commitRange}" is not <from>..<to>.` };
    return { from, to, mergeBase: dots === '...', origin: 'deploy' };
  }
  return {
    reason:
      'The versions are unknown (no --to with a known running version, and no deploy event with a commit range), so the release could not be read.',
  };
}
