/**
 * `/rollback` text → what the responder asked for. Pure: names are checked against the catalog by
 * the flow, values against the contract's pattern here, so nothing unsafe gets further.
 */
import { isSafeValue } from './values.js';

export const USAGE =
  'Usage: `/rollback <service> <environment> [--to <version>] [reason…]` · `/rollback dry-run <service> <environment> [--to <version>]` · `/rollback drill <service> <environment>` · `/rollback status [incident-id]` · `/rollback unlock <service> <environment>` · `/rollback help`';

export type RollbackCommand =
  | { kind: 'help' }
  | { kind: 'status'; incidentId?: string }
  | { kind: 'unlock'; service: string; environment: string }
  | { kind: 'dry-run'; service: string; environment: string; toVersion?: string }
  | { kind: 'drill'; service: string; environment: string; toVersion?: string }
  | { kind: 'request'; service: string; environment: string; toVersion?: string; reason: string }
  | { kind: 'invalid'; problem: string };

const INCIDENT_ID = /^RB-\d{1,9}$/i;

function checkValue(what: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return `${what} is missing`;
  if (!isSafeValue(value)) {
    return `${what} "${value.slice(0, 60)}" is not allowed (letters, digits and . _ / : @ + - only, not starting with -)`;
  }
  return undefined;
}

/**
 * Slack sends `&`, `<` and `>` in command text as HTML entities; the reason is stored as typed and
 * escaped once, where it is shown.
 */
function decodeSlackEntities(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

export function parseRollbackCommand(text: string): RollbackCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [first, ...rest] = words;
  if (first === undefined || first === 'help') return { kind: 'help' };
  if (first === 'status') {
    if (rest.length === 0) return { kind: 'status' };
    const id = rest[0] ?? '';
    if (rest.length > 1 || !INCIDENT_ID.test(id)) {
      return { kind: 'invalid', problem: `"${id.slice(0, 40)}" is not an incident id (like RB-1042)` };
    }
    return { kind: 'status', incidentId: id.toUpperCase() };
  }
  if (first === 'unlock') {
    const [service, environment, extra] = rest;
    const problem =
      checkValue('service', service) ??
      checkValue('environment', environment) ??
      (extra !== undefined ? 'unlock takes only a service and an environment' : undefined);
    if (problem) return { kind: 'invalid', problem };
    return { kind: 'unlock', service: service as string, environment: environment as string };
  }
  if (first === 'dry-run' || first === 'drill') {
    const parsed = parseRequest(rest);
    if (parsed.kind !== 'request') return parsed;
    if (parsed.reason)
      return { kind: 'invalid', problem: `${first} takes a service, an environment and --to only` };
    return {
      kind: first,
      service: parsed.service,
      environment: parsed.environment,
      ...(parsed.toVersion ? { toVersion: parsed.toVersion } : {}),
    };
  }
  return parseRequest(words);
}

function parseRequest(words: string[]): RollbackCommand {
  const [service, environment, ...rest] = words;
  const problem = checkValue('service', service) ?? checkValue('environment', environment);
  if (problem) return { kind: 'invalid', problem };
  let toVersion: string | undefined;
  const reason: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (word === '--to' || word.startsWith('--to=')) {
      if (toVersion !== undefined) return { kind: 'invalid', problem: '--to is given twice' };
      const value = word === '--to' ? rest[++i] : word.slice('--to='.length);
      const versionProblem = checkValue('--to version', value);
      if (versionProblem) return { kind: 'invalid', problem: versionProblem };
      toVersion = value;
    } else if (word.startsWith('--') && reason.length === 0) {
      return { kind: 'invalid', problem: `unknown option ${word.slice(0, 30)} (only --to <version>)` };
    } else {
      reason.push(word);
    }
  }
  return {
    kind: 'request',
    service: service as string,
    environment: environment as string,
    toVersion,
    reason: decodeSlackEntities(reason.join(' ')).slice(0, 2000),
  };
}
