import { DEFAULT_THRESHOLDS, describeGap, triage } from '../../../src/domain/assessment.js';
import type { DeployRecord, Signal } from '../../../src/domain/signal.js';
import { triageSection } from '../../../src/adapters/outbound/slack/blocks/triage-section.js';

const HOUR = 3_600_000;
const signal = (fields: Partial<Signal>): Signal => ({
  id: 'sig-1',
  source: 'alertmanager',
  service: 'checkout',
  environment: 'production',
  status: 'firing',
  summary: 'Something is off',
  startedAt: '2024-05-14T14:15:00Z',
  receivedAt: '2024-05-14T14:15:05Z',
  links: [],
  dedupeKeys: ['am:x'],
  alertCount: 1,
  rawExcerpt: '{}',
  ...fields,
});
const deploy = (version: string, deployedAt: string, fields: Partial<DeployRecord> = {}): DeployRecord => ({
  service: 'checkout',
  environment: 'production',
  version,
  deployedAt,
  changes: [],
  receivedAt: deployedAt,
  ...fields,
});
const now = new Date('2024-05-14T14:20:00Z');
const v240 = deploy('v2.4.0', '2024-05-14T14:00:00Z', { previousVersion: 'v2.3.9' });

describe('triage tiers', () => {
  it.each([
    [
      'a critical alert about payments',
      { severity: 'critical', summary: 'Payments failing for card checkouts' },
      'IMMEDIATE',
      /mentions payments/,
    ],
    [
      'a critical alert with 62% 5xx',
      { severity: 'critical', summary: 'Checkout 5xx rate 62%' },
      'IMMEDIATE',
      /error rate 62% is above 50%/,
    ],
    [
      'a critical alert with 23% errors',
      { severity: 'critical', summary: 'Checkout error rate 23%' },
      'FAST',
      /severity is critical/,
    ],
    [
      'a page with p99 at 3.5x baseline',
      { severity: 'page', summary: 'p99 latency 3.5x baseline' },
      'FAST',
      /latency 3.5× baseline/,
    ],
    ['a warning', { severity: 'warning', summary: 'Queue depth growing' }, 'PLANNED', /severity is warning/],
    [
      'a warning about data corruption',
      { severity: 'warning', summary: 'Data corruption in orders' },
      'FAST',
      /data corruption/,
    ],
    ['an info alert', { severity: 'info', summary: 'Cache hit ratio low' }, 'MONITOR', /severity is info/],
    [
      'a warning with 3% errors',
      { severity: 'warning', summary: 'error rate 3%' },
      'PLANNED',
      /3% is at or below 5%/,
    ],
    [
      'PagerDuty high urgency about auth',
      { source: 'pagerduty', urgency: 'high', summary: 'Login broken for SSO users' },
      'IMMEDIATE',
      /authentication/,
    ],
    [
      'PagerDuty low urgency',
      { source: 'pagerduty', urgency: 'low', summary: 'Slow report export' },
      'PLANNED',
      /urgency is low/,
    ],
    [
      'an already resolved alert',
      { severity: 'critical', status: 'resolved', summary: 'Payments failing' },
      'MONITOR',
      /already resolved/,
    ],
  ] as const)('%s → %s', (_name, fields, tier, reason) => {
    const result = triage(signal(fields as Partial<Signal>), [v240], now, 2 * HOUR);
    expect(result.tier).toBe(tier);
    expect(result.reasons.join('; ')).toMatch(reason);
  });

  it('uses the thresholds it is given', () => {
    const strict = { ...DEFAULT_THRESHOLDS, immediateErrorRate: 20 };
    const alert = signal({ severity: 'critical', summary: 'Checkout error rate 23%' });
    expect(triage(alert, [], now, HOUR).tier).toBe('FAST');
    expect(triage(alert, [], now, HOUR, strict).tier).toBe('IMMEDIATE');
  });
});

describe('deploy correlation', () => {
  it('says how long after which deploy the alert began', () => {
    const result = triage(
      signal({ severity: 'critical' }),
      [deploy('v2.3.9', '2024-05-13T09:00:00Z'), v240],
      now,
      2 * HOUR,
    );
    expect(result.correlation).toBe('alert began 15 minutes after v2.4.0 was deployed at 14:00 UTC');
    expect(result.deploy?.version).toBe('v2.4.0');
    expect(result.sinceDeployMs).toBe(15 * 60_000);
    expect(result.advice).toBeUndefined();
  });

  it('advises checking traffic and dependencies when no deploy is in the window', () => {
    const result = triage(
      signal({ severity: 'critical' }),
      [deploy('v2.3.9', '2024-05-13T09:00:00Z')],
      now,
      2 * HOUR,
    );
    expect(result.correlation).toBeUndefined();
    expect(result.advice).toMatch(/^No deploy in the 2 hours before the alert\. A rollback may not help/);
    expect(result.advice).toMatch(/traffic.*dependencies.*database/);
  });

  it('does not blame a deploy that came after the alert began', () => {
    const later = deploy('v2.4.1', '2024-05-14T14:18:00Z');
    const result = triage(signal({ severity: 'critical' }), [v240, later], now, 2 * HOUR);
    expect(result.deploy?.version).toBe('v2.4.0');
    expect(result.reasons).toContain('v2.4.1 was deployed after the alert began, so it did not cause it');
  });

  it('without an alert, relates the request to the latest deploy from now', () => {
    const result = triage(undefined, [v240], now, 2 * HOUR);
    expect(result.correlation).toBe('v2.4.0 was deployed 20 minutes ago, at 14:00 UTC');
  });

  it('keeps the deploy being rolled back as the suspect, however long ago it was', () => {
    // A 14:00 deploy read at 17:41 is outside the 2 h look-back, yet it is the one being rolled back.
    const late = new Date('2024-05-14T17:41:00Z');
    const result = triage(
      undefined,
      [deploy('v2.3.9', '2024-05-13T09:00:00Z'), v240],
      late,
      2 * HOUR,
      DEFAULT_THRESHOLDS,
      {
        fromVersion: 'v2.4.0',
      },
    );
    expect(result.deploy?.version).toBe('v2.4.0');
    expect(result.correlation).toBe('v2.4.0 was deployed 3 hours 41 minutes ago, at 14:00 UTC');
    expect(result.advice).toBeUndefined();
    const unnamed = triage(undefined, [v240], late, 2 * HOUR);
    expect(unnamed.deploy).toBeUndefined();
  });

  it('describes gaps in words', () => {
    expect(describeGap(30_000)).toBe('less than a minute');
    expect(describeGap(60_000)).toBe('1 minute');
    expect(describeGap(125 * 60_000)).toBe('2 hours 5 minutes');
  });
});

describe('triage section blocks', () => {
  const texts = (blocks: ReturnType<typeof triageSection>) => JSON.stringify(blocks);

  it('shows tier, correlation, changes (truncated), the PagerDuty link and counts', () => {
    const changes = Array.from({ length: 14 }, (_, i) => ({
      id: `PR-${i}`,
      title: `Change <${i}>`,
      url: `https://git.example.com/pr/${i}`,
    }));
    const assessment = triage(
      signal({ source: 'pagerduty', urgency: 'high', summary: 'Payments 5xx' }),
      [{ ...v240, changes, commitRange: 'a1b2..c3d4' }],
      now,
      2 * HOUR,
    );
    const blocks = triageSection({
      assessment,
      signal: {
        source: 'pagerduty',
        summary: 'Payments 5xx',
        links: [{ label: 'PagerDuty incident #1042', url: 'https://acme.pagerduty.com/incidents/Q2' }],
      },
      counts: { firing: 0, triggered: 1, acknowledged: 0, resolved: 0, duplicates: 3 },
      now,
    });
    const text = texts(blocks);
    expect(text).toContain('*IMMEDIATE* (act within 5 minutes)');
    expect(text).toContain('Alert began 15 minutes after v2.4.0 was deployed at 14:00 UTC.');
    expect(text).toContain('*Changes in v2.4.0* (since v2.3.9, deployed 20m ago, commits `a1b2..c3d4`)');
    expect(text).toContain('<https://git.example.com/pr/0|PR-0> Change &lt;0&gt;');
    expect(text).not.toContain('PR-10|');
    expect(text).toContain('…and 4 more');
    expect(text).toContain('<https://acme.pagerduty.com/incidents/Q2|PagerDuty incident #1042>');
    expect(text).toContain('Alerts: 1 firing · 3 repeats');
    expect(text).not.toContain('resolved before');
  });

  it('says when the alert resolved before approval, and when a rollback may not help', () => {
    const assessment = triage(signal({ severity: 'warning' }), [], now, 2 * HOUR);
    const text = texts(triageSection({ assessment, resolvedBeforeApproval: true, now }));
    expect(text).toContain('A rollback may not help');
    expect(text).toContain('The alert resolved before anyone approved');
  });
});
