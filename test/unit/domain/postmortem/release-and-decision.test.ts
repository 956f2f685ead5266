/**
 * The postmortem knows the release and the decision: verdict, override, each precondition and who
 * ran or waived the gate, the alternatives offered and the one chosen; a root-cause section; and
 * a short incident report in the thread.
 */
import {
  postmortemSlackText,
  renderPostmortemMarkdown,
} from '../../../../src/adapters/outbound/render/postmortem.js';
import { buildPostmortem } from '../../../../src/domain/postmortem.js';
import type { TimelineEvent } from '../../../../src/domain/timeline.js';
import { PEOPLE, SUCCESS_NOW, incident, successfulTimeline } from './fixtures.js';

describe('the postmortem’s release and decision', () => {
  const decided = incident({
    safety: {
      verdict: 'unsafe',
      override: true,
      why: 'orders.customer is dropped: the old version reads it',
      configuredApprovals: 1,
    },
    alternatives: [
      {
        id: 'flag',
        title: 'Turn discount_codes off instead',
        changes: 'Only the flag',
        plan: { steps: [], verify: [], timeBudgetMs: 60_000 },
      },
    ],
    choice: 'flag',
  });
  const events: TimelineEvent[] = [
    ...successfulTimeline(),
    {
      type: 'gate_waived',
      at: '2024-05-14T14:02:40Z',
      approvers: ['U0BOB', 'U0CAROL'],
      requirements: ['orders.order_metadata has a default'],
    },
  ];
  const model = buildPostmortem(decided, events, { now: SUCCESS_NOW, people: PEOPLE });

  it('lists the verdict, the override, the waiver and the alternative chosen', () => {
    expect(model.release).toEqual([
      'Release: `2.4.0` deployed at 2024-05-14 14:00:00 UTC (after `2.3.9`).',
      'Rollback safety: unsafe (orders.customer is dropped: the old version reads it).',
      'Override: approving meant overriding the analysis, so it took 2 approvers (Bob and Carol).',
      'Schema gate waived by Bob and Carol at 2024-05-14 14:02:40 UTC: orders.order_metadata has a default went unchecked.',
      'Alternatives offered: “Turn discount_codes off instead”; chosen: “Turn discount_codes off instead”.',
    ]);
  });

  it('writes a root-cause section and an incident report a manager can read in the thread', () => {
    const markdown = renderPostmortemMarkdown(model);
    expect(markdown).toContain('## Incident report');
    expect(markdown).toContain('- **What was rolled back:** Rolled back from `2.4.0` to `2.3.9`.');
    expect(markdown).toContain(
      '- **Time to recovery:** Impact lasted 2m 20s; 1m 40s from the request to recovery.',
    );
    expect(markdown).toContain('## Root cause');
    expect(markdown).toContain('1. Why did checkout break in production?');
    expect(markdown).toContain(
      '- **Contributing:** The release made rolling back unsafe: orders.customer is dropped',
    );
    const thread = postmortemSlackText(model);
    expect(thread).toContain('• *What was rolled back:* Rolled back from `2.4.0` to `2.3.9`.');
    expect(thread).toContain('• *Recommended fixes:*');
    expect(thread.length).toBeLessThanOrEqual(3000);
  });
});
