/**
 * The Safety section through the real bot: a real git checkout with tagged releases, real Redis,
 * Slack through the local stand-in. What the approvers see before they click is what will run.
 */
import { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import type { BotOptions } from '../../../src/bot.js';
import { BackgroundTasks } from '../../../src/flows/background.js';
import { resumePendingAnalyses } from '../../../src/flows/safety-analysis.js';
import { eventually, startHarness, type CatalogOptions, type Harness } from '../../support/bot-harness.js';
import {
  checkoutReleases,
  DROP_COLUMN,
  gitRepo,
  NOT_NULL_NO_DEFAULT,
  NULLABLE_COLUMN,
  type GitRepo,
} from './git-fixture.js';

const SQL_RUNNER = ['psql', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-d', 'checkout', '-c'];
const SET_DEFAULT = "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'";

let h: Harness;
let repo: GitRepo | undefined;

afterEach(async () => {
  await h.close();
  await repo?.cleanup();
  repo = undefined;
});

/** Starts the bot on a repo holding v2.3.0 and v2.4.0 (adding `migration`), v2.4.0 deployed. */
async function startOn(
  migration: string | undefined,
  catalog: CatalogOptions = {},
  overrides: Partial<BotOptions> = {},
) {
  if (migration !== undefined) repo = await gitRepo(checkoutReleases(migration));
  h = await startHarness({ ...(repo ? { repo: repo.dir } : {}), ...catalog }, overrides);
  await new DeployStore(h.bot.redis, h.redis.prefix).record(
    { service: 'checkout', environment: 'production', version: 'v2.4.0', previousVersion: 'v2.3.0' },
    new Date(),
  );
}

async function openCard(text = 'checkout production --to v2.3.0 errors after the deploy') {
  const answer = await h.slash(text);
  expect(answer.status).toBe(200);
  const id = await eventually(async () => (await h.bot.deps.store.recentIds(1))[0]);
  const incident = await eventually(async () => {
    const found = await h.bot.deps.store.get(id);
    return found?.messageTs ? found : undefined;
  });
  const card = h.slack.message(incident.channel, incident.messageTs!);
  return { id, incident, text: JSON.stringify(card?.blocks ?? []) };
}

/** The card's text with Slack's JSON escaping undone, as a reader sees it. */
function readable(text: string): string {
  return text.replace(/\\"/g, '"').replace(/\\n/g, '\n');
}

describe('the Safety section of the assessment card', () => {
  it('puts the SET DEFAULT precondition into the plan, before the rollback steps, for a conditional release', async () => {
    await startOn(NOT_NULL_NO_DEFAULT, { sqlRunner: SQL_RUNNER });
    const { incident, text } = await openCard();
    const card = readable(text);
    expect(card).toContain('Rollback safety: conditional');
    expect(card).toContain('migrations/002_add_metadata.sql:1');
    expect(card).toContain('add-column-not-null-no-default');
    // Shown in the plan as step 1, ahead of the catalog's own steps.
    const precondition = card.indexOf('Safety precondition 1 (SQL)');
    expect(precondition).toBeGreaterThan(-1);
    expect(precondition).toBeLessThan(card.indexOf('Roll back to the target'));
    expect(card).toContain(SET_DEFAULT);
    // The frozen plan is what runs: the SQL is ONE argv element after the runner's prefix.
    const [first, second] = incident.plan.steps;
    expect(first).toMatchObject({ id: 'p1', argv: [...SQL_RUNNER, SET_DEFAULT], idempotent: true });
    expect(first?.addedBecause).toMatch(/order_metadata/);
    expect(second).toMatchObject({ id: 's1', name: 'Roll back to the target' });
    expect(incident.policy.requiredApprovals).toBe(1);
    expect(incident.safety).toMatchObject({ verdict: 'conditional', override: false });
  });

  it('without a sqlRunner or a database, shows the SQL to run by hand and takes two waivers of the gate before any approval counts', async () => {
    await startOn(NOT_NULL_NO_DEFAULT, { approvers: ['U0LEAD', 'U0SECOND'] });
    const { id, incident, text } = await openCard();
    const card = readable(text);
    expect(card).toContain('Rollback safety: conditional');
    expect(card).toContain('no sqlRunner is configured for checkout/production');
    expect(card).toContain('Two approvers must override');
    expect(card).toContain(SET_DEFAULT);
    expect(card).toContain('Approvals:* 0 of 2');
    expect(card).toContain('Schema gate cannot check');
    expect(card).toContain('Waive the schema gate');
    expect(incident.plan.steps.map((step) => step.id)).toEqual(['s1', 's2']);
    // Two clicks of Approve are not enough: nothing checks that anyone ran the SQL.
    await h.click('approve', id, 'U0LEAD');
    await eventually(async () =>
      (await h.bot.deps.store.timeline(id)).some((e) => e.type === 'approval_refused') ? true : undefined,
    );
    expect((await h.bot.deps.store.get(id))?.approvals).toEqual([]);
    await h.click('waive', id, 'U0LEAD');
    await h.click('waive', id, 'U0LEAD'); // a double click counts once
    await h.click('waive', id, 'U0SECOND');
    await eventually(async () =>
      (await h.bot.deps.store.timeline(id)).some((e) => e.type === 'gate_waived') ? true : undefined,
    );
    const waivers = (await h.bot.deps.store.timeline(id)).filter((e) => e.type === 'gate_waiver');
    expect(waivers.map((e) => (e as { by: string }).by)).toEqual(['U0LEAD', 'U0SECOND']);
    await h.click('approve', id, 'U0LEAD');
    await eventually(async () =>
      (await h.bot.deps.store.get(id))?.approvals.length === 1 ? true : undefined,
    );
    expect((await h.bot.deps.store.get(id))?.state).toBe('awaiting_approval');
  });

  it('calls a release that drops a column unsafe: two approvals even when the catalog says one, and alternatives', async () => {
    await startOn(DROP_COLUMN, { approvers: ['U0LEAD', 'U0SECOND'], requiredApprovals: 1 });
    const { id, incident, text } = await openCard();
    const card = readable(text);
    expect(card).toContain('Rollback safety: unsafe');
    expect(card).toContain('Rolling back v2.4.0 → v2.3.0 breaks the old version');
    expect(card).toContain('Two approvers must override');
    expect(card).toContain('Fix forward');
    expect(card).toContain('Approvals:* 0 of 2');
    expect(incident.policy.requiredApprovals).toBe(2);
    expect(incident.safety).toMatchObject({ verdict: 'unsafe', override: true, configuredApprovals: 1 });

    await h.click('approve', id, 'U0LEAD');
    await eventually(async () =>
      (await h.bot.deps.store.get(id))?.approvals.length === 1 ? true : undefined,
    );
    expect((await h.bot.deps.store.get(id))?.state).toBe('awaiting_approval');
    await h.click('approve', id, 'U0SECOND');
    await eventually(async () =>
      (await h.bot.deps.store.get(id))?.approvals.length === 2 ? true : undefined,
    );
    expect((await h.bot.deps.store.get(id))?.state).not.toBe('awaiting_approval');
  });

  it('says the analysis could not run when the catalog has no repo, and never calls it safe', async () => {
    await startOn(undefined);
    const { incident, text } = await openCard();
    const card = readable(text);
    expect(card).toContain('Rollback safety: unknown');
    expect(card).toContain('No repo is configured for checkout');
    expect(card).not.toContain('Rollback safety: safe');
    expect(incident.safety?.verdict).toBe('unknown');
  });

  it('calls a release that only adds a nullable column safe, with the catalog approvals', async () => {
    await startOn(NULLABLE_COLUMN);
    const { incident, text } = await openCard();
    expect(readable(text)).toContain('Rollback safety: safe');
    expect(incident.policy.requiredApprovals).toBe(1);
    expect(incident.plan.steps.map((step) => step.id)).toEqual(['s1', 's2']);
  });

  it("uses the deploy event's commit range when the target version is not given", async () => {
    repo = await gitRepo(checkoutReleases(NOT_NULL_NO_DEFAULT));
    h = await startHarness({
      repo: repo.dir,
      sqlRunner: SQL_RUNNER,
      steps: `          - name: Undo deployment
            run: [kubectl, rollout, undo, deployment/checkout, -n, prod]`,
    });
    await new DeployStore(h.bot.redis, h.redis.prefix).record(
      { service: 'checkout', environment: 'production', version: 'v2.4.0', commitRange: 'v2.3.0..v2.4.0' },
      new Date(),
    );
    const { incident, text } = await openCard('checkout production errors after the deploy');
    expect(incident.toVersion).toBeUndefined();
    expect(readable(text)).toContain('Rollback safety: conditional');
    expect(incident.plan.steps.map((step) => step.id)).toEqual(['p1', 's1']);
  });

  it('caches the report, so re-rendering the card does not read the release again', async () => {
    await startOn(NOT_NULL_NO_DEFAULT, { sqlRunner: SQL_RUNNER });
    const { id, incident } = await openCard();
    await repo!.cleanup(); // the checkout is gone: only the cached report can fill the card now
    await h.click('reject', id, 'U0LEAD');
    const updated = await eventually(() =>
      h.slack.callsTo('chat.update').find((call) => call.args.ts === incident.messageTs),
    );
    const card = readable(JSON.stringify(updated.args.blocks));
    expect(card).toContain('Rejected');
    // The findings come from the cached report (the repo is gone), not just the recorded verdict.
    expect(card).toContain('Rollback safety: conditional');
    expect(card).toContain('add-column-not-null-no-default');
  });

  it('posts the card saying "analysis running" when the analysis outlasts its time bound, then updates it', async () => {
    // An analysis that always outlasts its time bound.
    await startOn(NOT_NULL_NO_DEFAULT, { sqlRunner: SQL_RUNNER }, { safetyTimeBoundMs: 0 });
    await h.slash('checkout production --to v2.3.0 errors after the deploy');
    const posted = await eventually(() => h.slack.callsTo('chat.postMessage').find((c) => !c.args.thread_ts));
    expect(readable(JSON.stringify(posted.args.blocks))).toContain('Rollback safety: analysis running');
    const id = (await h.bot.deps.store.recentIds(1))[0]!;
    const done = await eventually(async () => {
      const incident = await h.bot.deps.store.get(id);
      return incident?.safety?.verdict === 'conditional' ? incident : undefined;
    });
    expect(done.plan.steps.map((step) => step.id)).toEqual(['p1', 's1', 's2']);
    const update = await eventually(() =>
      h.slack
        .callsTo('chat.update')
        .find((c) => c.args.ts === done.messageTs && JSON.stringify(c.args.blocks).includes('conditional')),
    );
    expect(readable(JSON.stringify(update.args.blocks))).toContain(SET_DEFAULT);
  });

  it('finishes an analysis left pending by a process that stopped, so approvals are not blocked for good', async () => {
    await startOn(NOT_NULL_NO_DEFAULT, { sqlRunner: SQL_RUNNER });
    await h.slash('checkout production --to v2.3.0 errors after the deploy');
    const id = await eventually(async () => (await h.bot.deps.store.recentIds(1))[0]);
    await eventually(async () =>
      (await h.bot.deps.store.get(id))?.safety?.verdict === 'conditional' ? true : undefined,
    );
    // As a process that died mid-analysis leaves it: pending, with no one working on it.
    await h.bot.deps.store.mutate(id, (current) => ({
      incident: { ...current, safety: { ...current.safety!, verdict: 'pending' } },
      events: [],
      result: undefined,
    }));
    await h.click('approve', id, 'U0LEAD');
    await eventually(() => h.slack.callsTo('chat.postEphemeral')[0]);
    expect((await h.bot.deps.store.get(id))?.state).toBe('awaiting_approval');

    // Another process, started after this one stopped: its own background work, no time to wait.
    const restarted = new BackgroundTasks();
    const deps = h.bot.deps;
    try {
      expect(
        await resumePendingAnalyses({
          ...deps,
          safety: { ...deps.safety, timeBoundMs: 0, tasks: restarted },
        }),
      ).toBe(1);
      await eventually(async () =>
        (await h.bot.deps.store.get(id))?.safety?.verdict === 'conditional' ? true : undefined,
      );
    } finally {
      await restarted.stop();
    }
  });
});
