import { assessmentCard } from '../../../../../../src/adapters/outbound/slack/blocks/assessment-card.js';
import { anIncident } from '../../../../../support/builders.js';

const incident = anIncident({
  id: 'RB-1042',
  requester: 'U0REQ',
  reason: 'error rate > 5% <!here>',
  fromVersion: 'v2.4.0',
  toVersion: 'v2.3.0',
  plan: {
    steps: [
      {
        id: 's1',
        name: 'Undo',
        argv: ['kubectl', 'rollout', 'undo', 'deployment/checkout'],
        idempotent: false,
        timeoutMs: 60_000,
        env: {},
      },
    ],
    verify: [],
    timeBudgetMs: 300_000,
  },
  policy: { approvers: ['U0LEAD'], requiredApprovals: 1, allowSelfApproval: false },
  channel: 'C0INC',
  createdAt: '2026-11-22T14:00:00Z',
  updatedAt: '2026-11-22T14:00:00Z',
  expiresAt: '2026-11-22T14:30:00Z',
});

describe('the assessment card', () => {
  it('never lets outside text or links broadcast or mention', () => {
    const card = assessmentCard({
      ...incident,
      links: [{ url: 'https://x/a> <!channel> <https://y', label: 'Runbook|<!everyone>' }],
    });
    const text = JSON.stringify(card.blocks);
    expect(text).not.toMatch(/<!(channel|here|everyone)>/);
    expect(text).toContain('error rate &gt; 5% &lt;!here&gt;');
  });

  it('links a plain http(s) URL', () => {
    const card = assessmentCard({
      ...incident,
      links: [{ url: 'https://acme.pagerduty.com/incidents/Q2', label: 'PagerDuty incident #7' }],
    });
    expect(JSON.stringify(card.blocks)).toContain(
      '<https://acme.pagerduty.com/incidents/Q2|PagerDuty incident #7>',
    );
  });

  it('warns in the confirm dialog when approving overrides the safety check', () => {
    const card = assessmentCard({
      ...incident,
      safety: { verdict: 'unsafe', override: true, configuredApprovals: 1 },
    });
    const approve = JSON.stringify(card.blocks.find((block) => block.type === 'actions'));
    expect(approve).toContain('You are overriding the rollback-safety check');
    expect(JSON.stringify(assessmentCard(incident).blocks)).not.toContain('overriding');
  });
});
