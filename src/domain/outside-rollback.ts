/**
 * A rollback done outside the bot (by hand, by CD's own undo): CI says so with `kind: rollback`,
 * or the version deployed is older than the one it replaced. Either way the team should see it:
 * it changes what "the previous version" means for the next rollback, and it was an incident.
 */
import semver from 'semver';
import type { DeployRecord } from './signal.js';

/** Why a deploy is a rollback done outside the bot, or undefined when it is an ordinary deploy. */
export function outsideRollbackReason(record: DeployRecord): string | undefined {
  if (record.kind === 'rollback') return 'CI reported it as a rollback';
  // Only clear version numbers on both sides: "main-abc123" after "main-def456" says nothing.
  const to = semver.clean(record.version, { loose: true });
  const from = record.previousVersion ? semver.clean(record.previousVersion, { loose: true }) : null;
  if (!to || !from || !semver.lt(to, from)) return undefined;
  return `${record.version} is older than ${record.previousVersion}, which it replaced`;
}
