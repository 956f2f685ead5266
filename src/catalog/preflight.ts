/**
 * Checks that need the raw document as a whole rather than one field: service and environment
 * names, and keys that are required only after `defaults` are merged. They run on the untyped data
 * alongside the schema, so one pass reports them together with every schema error.
 */
import { NAME_PATTERN } from './fields.js';

/** A problem at a path of YAML keys and indexes. */
export interface RawIssue {
  path: (string | number)[];
  message: string;
}

const NAME_RULE = 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$ (letters, digits, . _ -)';
/** Keys an environment needs, from itself or from `defaults`. */
const REQUIRED_AFTER_MERGE: Record<string, string> = {
  channel: 'required (here or in defaults): a Slack channel id',
  rollback: 'required (here or in defaults): a list of steps',
};

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function preflight(data: Record<string, unknown>): RawIssue[] {
  const issues: RawIssue[] = [];
  const defaults = isMapping(data.defaults) ? data.defaults : {};
  if (!isMapping(data.services)) return issues; // the schema reports it
  if (Object.keys(data.services).length === 0)
    issues.push({ path: ['services'], message: 'expected at least one service' });
  for (const [name, service] of Object.entries(data.services)) {
    if (!NAME_PATTERN.test(name))
      issues.push({ path: ['services', name], message: `service name ${NAME_RULE}` });
    if (!isMapping(service) || !isMapping(service.environments)) continue;
    if (Object.keys(service.environments).length === 0)
      issues.push({ path: ['services', name, 'environments'], message: 'expected at least one environment' });
    for (const [envName, env] of Object.entries(service.environments)) {
      const path = ['services', name, 'environments', envName];
      if (!NAME_PATTERN.test(envName)) issues.push({ path, message: `environment name ${NAME_RULE}` });
      if (!isMapping(env)) continue;
      for (const [key, message] of Object.entries(REQUIRED_AFTER_MERGE))
        if (env[key] === undefined && defaults[key] === undefined)
          issues.push({ path: [...path, key], message });
    }
  }
  return issues;
}
