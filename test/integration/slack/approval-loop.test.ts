import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

function cardOf(h: Harness, incidentId: string) {
  return eventually(async () => {
    const incident = await h.bot.deps.store.get(incidentId);
    return incident?.messageTs ? h.slack.message(incident.channel, incident.messageTs) : undefined;
  });
}

function cardText(message: { blocks?: unknown[] } | undefined): string {
  return JSON.stringify(message?.blocks ?? []);
}

function buttons(
  message: { blocks?: { type: string; elements?: { action_id?: string; value?: string }[] }[] } | undefined,
) {
  return (message?.blocks ?? []).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

async function openRequest(
  h: Harness,
  text = 'checkout production --to v2.3.0 error rate jumped after the 14:00 deploy',
  user = 'U0REQUESTER',
) {
  const before = h.slack.callsTo('chat.postMessage').length;
  const answer = await h.slash(text, user);
  expect(answer.status).toBe(200);
  await eventually(() => h.slack.callsTo('chat.postMessage').length > before || undefined);
  const [id] = await h.bot.deps.store.recentIds(1);
  return id as string;
}

async function ephemeralsTo(h: Harness, user: string): Promise<string[]> {
  return h.slack
    .callsTo('chat.postEphemeral')
    .filter((c) => c.args.user === user)
    .map((c) => String(c.args.text));
}

/** These tests stop at "queued": the web role serves Slack and runs no worker. */
const WEB = { ROLLBACK_ROLE: 'web' };

describe('the Slack approval loop', () => {
  let h: Harness;
  afterEach(async () => h.close());

  it('posts an assessment card with the exact plan and the contract buttons', async () => {
    h = await startHarness({}, {}, WEB);
    const id = await openRequest(h);
    expect(id).toMatch(/^RB-\d+$/);
    const card = await cardOf(h, id);
    expect(card?.channel).toBe('C0INCIDENTS');
    const text = cardText(card);
    expect(text).toContain('checkout');
    expect(text).toContain('production');
    expect(text).toContain('v2.3.0');
    expect(text).toContain('error rate jumped after the 14:00 deploy');
    expect(text).toContain('kubectl rollout undo deployment/checkout -n prod --to-revision=v2.3.0');
    expect(text).toContain(id);
    const [approve, reject] = buttons(card);
    expect(approve).toMatchObject({ action_id: 'rollback_approve', value: id, style: 'primary' });
    expect((approve as { confirm?: unknown }).confirm).toBeDefined();
    expect(reject).toMatchObject({ action_id: 'rollback_reject', value: id, style: 'danger' });
    const replies = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes(id)),
    );
    expect(replies.args.response_type).toBe('ephemeral');
    // The thread under the card holds the timeline.
    const thread = await eventually(() => h.slack.threadReplies('C0INCIDENTS', card!.ts)[0]);
    expect(JSON.stringify(thread)).toMatch(/request/i);
  });

  it.each([
    ['an unknown service', 'billing production', /Unknown service "billing"/],
    ['an unknown environment', 'checkout qa', /Unknown environment "qa" for checkout/],
    ['a missing environment', 'checkout', /environment is missing/],
    ['--to without a version', 'checkout production --to', /--to version is missing/],
    [
      'a version failing the pattern',
      'checkout production --to v1;rm',
      /--to version "v1;rm" is not allowed/,
    ],
    ['a leading dash', 'checkout production --to -rf', /is not allowed/],
    ['an unknown option', 'checkout production --force', /unknown option --force/],
    ['a bad incident id', 'status 42', /not an incident id/],
  ])(
    'answers %s with the usage line and the known names, and opens nothing',
    async (_what, text, problem) => {
      h = await startHarness({}, {}, WEB);
      const answer = await h.slash(text);
      expect(answer.status).toBe(200);
      const body = JSON.parse(answer.text) as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      expect(body.text).toMatch(problem);
      expect(body.text).toContain('Usage: `/rollback <service> <environment>');
      if (!/status/.test(text)) expect(body.text).toContain('checkout (staging, production)');
      expect(await h.bot.deps.store.recentIds()).toEqual([]);
      expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
    },
  );

  it('answers help and status without opening anything', async () => {
    h = await startHarness({}, {}, WEB);
    const help = JSON.parse((await h.slash('help')).text) as { text: string };
    expect(help.text).toContain('/rollback checkout production --to v2.3.0');
    const id = await openRequest(h);
    await h.slash(`status ${id}`);
    const status = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes('Awaiting approval')),
    );
    expect(String(status.args.text)).toContain(id);
  });

  it('refuses self-approval and outsiders with an explanation, and records both', async () => {
    h = await startHarness({}, {}, WEB);
    const id = await openRequest(h, 'checkout production --to v2.3.0 lead asks', 'U0LEAD');
    await h.click('approve', id, 'U0LEAD');
    await h.click('approve', id, 'U0OUTSIDER');
    await eventually(async () => ((await ephemeralsTo(h, 'U0OUTSIDER')).length ? true : undefined));
    expect((await ephemeralsTo(h, 'U0LEAD')).join()).toMatch(/someone else has to approve/);
    expect((await ephemeralsTo(h, 'U0OUTSIDER')).join()).toMatch(/not an approver for checkout\/production/);
    const incident = await h.bot.deps.store.get(id);
    expect(incident?.state).toBe('awaiting_approval');
    const refusals = (await h.bot.deps.store.timeline(id)).filter((e) => e.type === 'approval_refused');
    expect(refusals.map((e) => (e as { by: string }).by)).toEqual(['U0LEAD', 'U0OUTSIDER']);
  });

  it('lets a member of an approver group approve, queues exactly one job and says Queued', async () => {
    h = await startHarness({}, {}, WEB);
    h.slack.setUserGroup('S0SRE', ['U0ONCALL']);
    const id = await openRequest(h);
    await h.click('approve', id, 'U0ONCALL');
    await eventually(async () => ((await h.bot.deps.store.get(id))?.state === 'queued' ? true : undefined));
    const queue = await h.bot.queues.queueFor('production');
    const job = await queue.getJob(`rollback-${id}`);
    expect(job?.data).toEqual({ incidentId: id });
    expect(await queue.getJobCounts('waiting', 'active', 'delayed')).toEqual({
      waiting: 1,
      active: 0,
      delayed: 0,
    });
    const card = await eventually(async () => {
      const message = await cardOf(h, id);
      return cardText(message).includes('Queued') ? message : undefined;
    });
    expect(buttons(card)).toHaveLength(0);
    expect(cardText(card)).toContain('<@U0ONCALL>');
  });

  it('needs two distinct people under a two-approval policy; double and concurrent clicks count once', async () => {
    h = await startHarness({ approvers: ['U0LEAD', 'U0SECOND'], requiredApprovals: 2 }, {}, WEB);
    const id = await openRequest(h);
    await Promise.all(Array.from({ length: 10 }, () => h.click('approve', id, 'U0LEAD')));
    const afterOne = await h.bot.deps.store.get(id);
    expect(afterOne?.approvals.map((a) => a.userId)).toEqual(['U0LEAD']);
    expect(afterOne?.state).toBe('awaiting_approval');
    await eventually(async () => (cardText(await cardOf(h, id)).includes('1 of 2') ? true : undefined));
    await Promise.all([
      ...Array.from({ length: 5 }, () => h.click('approve', id, 'U0SECOND')),
      h.click('approve', id, 'U0LEAD'),
    ]);
    await eventually(async () => ((await h.bot.deps.store.get(id))?.state === 'queued' ? true : undefined));
    const queue = await h.bot.queues.queueFor('production');
    expect((await queue.getJobs(['waiting', 'active', 'delayed'])).map((j) => j.id)).toEqual([
      `rollback-${id}`,
    ]);
    const timeline = await h.bot.deps.store.timeline(id);
    expect(timeline.filter((e) => e.type === 'approval_given')).toHaveLength(2);
    // The double clicks are told "you already approved", and leave no trace for the postmortem.
    expect(timeline.filter((e) => e.type === 'approval_refused')).toEqual([]);
    expect((await ephemeralsTo(h, 'U0LEAD')).join()).toContain(`You already approved ${id}.`);
  });

  it('closes the request when an approver rejects it', async () => {
    h = await startHarness({}, {}, WEB);
    const id = await openRequest(h);
    await h.click('reject', id, 'U0LEAD');
    const card = await eventually(async () => {
      const message = await cardOf(h, id);
      return cardText(message).includes('Rejected') ? message : undefined;
    });
    expect(cardText(card)).toContain('<@U0LEAD>');
    expect(buttons(card)).toHaveLength(0);
    await h.click('approve', id, 'U0LEAD');
    await eventually(async () => ((await ephemeralsTo(h, 'U0LEAD')).length ? true : undefined));
    expect((await ephemeralsTo(h, 'U0LEAD')).join()).toMatch(/no longer awaiting approval \(rejected\)/);
    expect(await (await h.bot.queues.queueFor('production')).getJobCounts('waiting')).toEqual({
      waiting: 0,
    });
  });

  it('expires a request nobody approved in time and refuses later clicks', async () => {
    h = await startHarness({ approvalTimeout: '1s' }, { sweepIntervalMs: 100 }, WEB);
    const id = await openRequest(h);
    const card = await eventually(async () => {
      const message = await cardOf(h, id);
      return cardText(message).includes('Expired') ? message : undefined;
    }, 5000);
    expect(buttons(card)).toHaveLength(0);
    expect((await h.bot.deps.store.get(id))?.state).toBe('expired');
    await h.click('approve', id, 'U0LEAD');
    await eventually(async () => ((await ephemeralsTo(h, 'U0LEAD')).length ? true : undefined));
    expect((await ephemeralsTo(h, 'U0LEAD')).join()).toMatch(/no longer awaiting approval \(expired\)/);
  });

  it('says on the card that nobody can approve when no approvers are configured', async () => {
    h = await startHarness({ approvers: [] }, {}, WEB);
    const id = await openRequest(h);
    const card = await cardOf(h, id);
    expect(cardText(card)).toContain('nobody can approve');
    expect(buttons(card)).toHaveLength(0);
  });

  it('approves after a restart of the bot', async () => {
    h = await startHarness({}, {}, WEB);
    const id = await openRequest(h);
    await cardOf(h, id);
    await h.restart();
    await h.click('approve', id, 'U0LEAD');
    await eventually(async () => ((await h.bot.deps.store.get(id))?.state === 'queued' ? true : undefined));
  });

  it('opens one incident for a Slack retry of the same command', async () => {
    h = await startHarness({}, {}, WEB);
    const triggerId = '123.456.retried';
    await h.slash('checkout production --to v2.3.0 retried', 'U0REQUESTER', { triggerId });
    await h.slash('checkout production --to v2.3.0 retried', 'U0REQUESTER', {
      triggerId,
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    await eventually(() => h.slack.callsTo('chat.postMessage').length || undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await h.bot.deps.store.recentIds()).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
  });

  it('opens one incident when several responders ask at the same moment', async () => {
    h = await startHarness({}, {}, WEB);
    const answers = await Promise.all(
      ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE'].map((user) =>
        h.slash('checkout production --to v2.3.0 same time', user),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    const replies = await eventually(() => {
      const texts = h.slack.callsTo('response_url').map((c) => String(c.args.text));
      return texts.length === 4 ? texts : undefined;
    });
    expect(replies.filter((text) => text.startsWith('Opened'))).toHaveLength(1);
    expect(replies.filter((text) => text.includes('is already open'))).toHaveLength(3);
    expect(await h.bot.deps.store.recentIds()).toHaveLength(1);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts)).toHaveLength(1);
  });

  it('posts the card later when Slack refuses it at first, and says so', async () => {
    h = await startHarness({}, { sweepIntervalMs: 200 }, WEB);
    h.slack.failNext('chat.postMessage', { error: 'internal_error' });
    await h.slash('checkout production --to v2.3.0 slack is flaky');
    const reply = await eventually(() => h.slack.callsTo('response_url')[0]);
    expect(String(reply.args.text)).toMatch(/Opened \*RB-\d+\*, but Slack would not take its card just now/);
    const [id] = await h.bot.deps.store.recentIds();
    const card = await cardOf(h, id as string);
    expect(buttons(card).map((b) => b.action_id)).toEqual([
      'rollback_approve',
      'rollback_reject',
      'rollback_dry_run',
    ]);
    expect(h.slack.callsTo('chat.postMessage').filter((c) => !c.args.thread_ts && !c.error)).toHaveLength(1);
  });

  it('points a second request for the same service and environment at the open one', async () => {
    h = await startHarness({}, {}, WEB);
    const id = await openRequest(h);
    await h.slash('checkout production --to v2.2.0 payments also failing', 'U0BOB');
    const answer = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes('already open')),
    );
    expect(String(answer.args.text)).toContain(id);
    expect(String(answer.args.text)).toContain('your reason is on its timeline');
    expect(await h.bot.deps.store.recentIds()).toEqual([id]);
    // The second responder's reason and target are kept on the open incident, not dropped.
    const timeline = await h.bot.deps.store.timeline(id);
    expect(timeline.find((e) => e.type === 'request_joined')).toMatchObject({
      by: 'U0BOB',
      reason: 'payments also failing',
      toVersion: 'v2.2.0',
      plannedVersion: 'v2.3.0',
    });
    const incident = (await h.bot.deps.store.get(id))!;
    await eventually(
      () =>
        h.slack
          .threadReplies(incident.channel, incident.messageTs!)
          .some((m) =>
            JSON.stringify(m.blocks).includes(
              'asked for this rollback too: payments also failing (asked for `v2.2.0`; this incident targets `v2.3.0`)',
            ),
          ) || undefined,
    );
  });

  it.each([
    ['signed more than 5 minutes ago', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }],
    ['dated more than 5 minutes ahead', { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }],
    ['with a tampered body', { tamper: (body: string) => body.replace('v2.3.0', 'v0.0.1') }],
    ['with a wrong signature', { signatureOverride: 'v0=' + '0'.repeat(64) }],
  ])('refuses a request %s and opens nothing', async (_what, opts) => {
    h = await startHarness({}, {}, WEB);
    const answer = await h.slash('checkout production --to v2.3.0 replay', 'U0REQUESTER', opts);
    expect(answer.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await h.bot.deps.store.recentIds()).toEqual([]);
    expect(h.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('keeps the card within Block Kit limits however long the plan and reason', async () => {
    const steps = Array.from(
      { length: 60 },
      (_, i) =>
        `          - name: Step ${i} ${'x'.repeat(80)}\n            run: [echo, ${'"' + 'y'.repeat(400) + '"'}]`,
    ).join('\n');
    h = await startHarness({ steps }, {}, WEB);
    const id = await openRequest(h, `checkout production ${'very long reason '.repeat(400)}`);
    const card = await cardOf(h, id);
    expect(card?.blocks?.length).toBeLessThanOrEqual(50);
    for (const block of card?.blocks ?? []) {
      if (block.text?.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(buttons(card).map((b) => b.action_id)).toEqual([
      'rollback_approve',
      'rollback_reject',
      'rollback_dry_run',
    ]);
  });
});
