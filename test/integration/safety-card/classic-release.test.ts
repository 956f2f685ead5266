/**
 * The classic release, through the real bot: the sandbox's demo history in a real git repository
 * (a NOT NULL column without a default, a major SDK bump migrated in one call site of two, a flag
 * only the frontend checks). The card says each in plain words, within a screen; the postmortem
 * written at the end knows the release and the decision.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import { writeDemoRepo } from '../../../src/sandbox/demo-release.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rb-classic-'));
  await writeDemoRepo(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));
afterEach(() => h?.close());

/** What a reader sees in a message: every text of every block, in order. */
function visibleText(blocks: unknown): string[] {
  const texts: string[] = [];
  JSON.stringify(blocks, (key, value: unknown) => {
    if (key === 'text' && typeof value === 'string') texts.push(value);
    return value;
  });
  return texts;
}

describe('the classic release on the card and in the postmortem', () => {
  it('names the NOT NULL break, the unmigrated SDK call site and the frontend-only flag, then writes the decision up', async () => {
    h = await startHarness({
      repo: dir,
      approvers: ['U0LEAD', 'U0SECOND'],
      // A stand-in for psql: what is tested here is the text, the SQL is proven in precondition-postgres.
      sqlRunner: ['true'],
      steps:
        '          - name: Roll back checkout to {toVersion}\n            run: ["true"]\n            idempotent: true',
    });
    await new DeployStore(h.bot.redis, h.redis.prefix).record(
      {
        service: 'checkout',
        environment: 'production',
        version: 'v2.4.0',
        previousVersion: 'v2.3.0',
        changes: [{ id: '#482', title: 'Discount codes', url: 'https://github.com/acme/checkout/pull/482' }],
      },
      new Date(),
    );
    expect((await h.slash('checkout production --to v2.3.0 checkout errors after v2.4.0')).status).toBe(200);
    const id = await eventually(async () => (await h.bot.deps.store.recentIds(1))[0]);
    const incident = await eventually(async () => {
      const found = await h.bot.deps.store.get(id);
      return found?.messageTs ? found : undefined;
    });
    const blocks = h.slack.message(incident.channel, incident.messageTs!)?.blocks ?? [];
    const texts = visibleText(blocks);
    const card = texts.join('\n');

    expect(card).toContain(
      "orders.order_metadata ends the release NOT NULL without a default: the old version's inserts do not set it and fail. (`migrations/002_add_order_metadata.sql:1`)",
    );
    expect(card).toContain(
      'The new version still uses it the old way in files this release did not touch: src/orders/retry.js:5 (return stripe.charges.create({ amount: order.totalCents,…).',
    );
    expect(card).toContain(
      'Feature flag "discount-codes" is checked only in frontend code (web/src/Checkout.tsx), while the release changes backend code that runs whatever the flag says (src/orders/create.js, src/payments/charge.js): turning it off will not stop server-side errors.',
    );
    // Not offered as the way out, since it would not stop the errors.
    expect(card).not.toContain('Turn off feature flag');
    expect(card).toContain(
      'Rules: add-column-not-null-no-default, major-dependency-bump, flag-frontend-only',
    );
    // Placeholders in step names are filled.
    expect(card).toContain('*Roll back checkout to v2.3.0*');
    expect(card).not.toMatch(/\{toVersion\}/);
    // One screen: a handful of blocks and a page of text, buttons included.
    expect(blocks.length).toBeLessThanOrEqual(20);
    expect(card.length).toBeLessThanOrEqual(4000);

    // The gate cannot check without a database: both approvers waive, one approves.
    expect((await h.click('waive', id, 'U0LEAD')).status).toBe(200);
    expect((await h.click('waive', id, 'U0SECOND')).status).toBe(200);
    expect((await h.click('approve', id, 'U0SECOND')).status).toBe(200);
    const upload = await eventually(
      () => h.slack.uploads().find((u) => u.filename === `${id}-postmortem.md` && u.thread_ts),
      20_000,
    );
    const postmortem = upload.content ?? '';
    expect(postmortem).toContain('- Release: `v2.4.0` deployed at');
    expect(postmortem).toContain(
      '(after `v2.3.0`).\n- Change: #482 Discount codes (https://github.com/acme/checkout/pull/482).',
    );
    expect(postmortem).toContain('- Rollback safety: conditional.');
    expect(postmortem).toContain(
      "- Found: orders.order_metadata ends the release NOT NULL without a default: the old version's inserts do not set it and fail. (`migrations/002_add_order_metadata.sql:1`)",
    );
    expect(postmortem).toContain(
      '- Precondition `Safety precondition 1 (SQL)`: ran and succeeded, run by the bot after the approval of U0SECOND.',
    );
    expect(postmortem).toMatch(
      /- Schema gate waived by U0LEAD and U0SECOND at .*: orders\.order_metadata went unchecked\./,
    );
    // The SDK bump is a candidate cause; the migration and the flag are about the way out, not the cause.
    const rootCause = postmortem.slice(postmortem.indexOf('## Root cause'), postmortem.indexOf('Five whys'));
    expect(rootCause).toContain('The release analysis names candidates below');
    expect(rootCause).toContain('Candidate in the release: stripe ^14.25.0 → ^15.0.0 is a major upgrade');
    expect(rootCause).not.toContain('order_metadata');
    expect(rootCause).not.toContain('discount-codes');
    // The step's name is filled in the write-up too.
    expect(postmortem).toContain('### 2. Roll back checkout to v2.3.0');
  });
});
