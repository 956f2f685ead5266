import { parseRollbackCommand } from '../../../src/domain/command.js';

describe('parseRollbackCommand', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    ['status', { kind: 'status' }],
    ['status rb-1042', { kind: 'status', incidentId: 'RB-1042' }],
    ['unlock checkout production', { kind: 'unlock', service: 'checkout', environment: 'production' }],
    [
      'checkout production --to v2.3.0 error rate jumped after the 14:00 deploy',
      {
        kind: 'request',
        service: 'checkout',
        environment: 'production',
        toVersion: 'v2.3.0',
        reason: 'error rate jumped after the 14:00 deploy',
      },
    ],
    ['checkout production', { kind: 'request', service: 'checkout', environment: 'production', reason: '' }],
    [
      'checkout  production  --to=v2.3.0',
      { kind: 'request', service: 'checkout', environment: 'production', toVersion: 'v2.3.0', reason: '' },
    ],
    [
      'checkout production 5xx --to v1 everywhere',
      {
        kind: 'request',
        service: 'checkout',
        environment: 'production',
        toVersion: 'v1',
        reason: '5xx everywhere',
      },
    ],
    [
      'checkout production error rate &gt; 5% &amp; rising',
      { kind: 'request', service: 'checkout', environment: 'production', reason: 'error rate > 5% & rising' },
    ],
  ])('reads "%s"', (text, expected) => {
    expect(parseRollbackCommand(text)).toEqual(expected);
  });

  it.each([
    ['checkout', 'environment is missing'],
    ['checkout production --to', '--to version is missing'],
    ['checkout production --to $(reboot)', 'is not allowed'],
    ['checkout production --to v1 --to v2', '--to is given twice'],
    ['check;out production', 'service "check;out" is not allowed'],
    ['-rf production', 'service "-rf" is not allowed'],
    ['checkout production --dry-run', 'unknown option --dry-run'],
    ['status RB-1 extra', 'is not an incident id'],
    ['unlock checkout', 'environment is missing'],
    ['unlock checkout production now', 'unlock takes only a service and an environment'],
  ])('refuses "%s"', (text, problem) => {
    const parsed = parseRollbackCommand(text);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.problem).toContain(problem);
  });
});
