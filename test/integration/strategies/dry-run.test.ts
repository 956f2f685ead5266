/**
 * Dry run through the whole bot: the card's Dry run button and `/rollback dry-run` resolve the
 * kubernetes strategy against the stand-in cluster, ask kubectl's own server-side dry run, post
 * what would happen, and change nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';
import { scratchDir } from '../execution/helpers.js';
import { PATH_WITH_STAND_INS, checkoutReplicaSet, image, standInCalls } from './stand-in-cluster.js';

const CLUSTER = {
  deployments: { checkout: { namespace: 'prod', containers: image('v2.4.0') } },
  replicaSets: [
    checkoutReplicaSet('checkout-7c9b4', 2, 'v2.3.0'),
    checkoutReplicaSet('checkout-9f6d2', 3, 'v2.4.0'),
  ],
};

describe('dry run', () => {
  let h: Harness;
  const scratch = scratchDir();
  const state = join(scratch.dir, 'cluster.json');
  const log = join(scratch.dir, 'calls.jsonl');

  beforeAll(async () => {
    writeFileSync(state, JSON.stringify(CLUSTER));
    writeFileSync(log, '');
    const env = JSON.stringify({
      PATH: PATH_WITH_STAND_INS,
      FAKE_CLUSTER_STATE: state,
      FAKE_CLUSTER_LOG: log,
    });
    h = await startHarness(
      {
        steps: `          - name: Roll back the deployment\n            kubernetes: { deployment: checkout, namespace: prod }\n            env: ${env}`,
      },
      {},
      { ROLLBACK_ROLE: 'web' },
    );
    await new DeployStore(h.bot.redis, h.redis.prefix).record(
      { service: 'checkout', environment: 'production', version: 'v2.4.0', previousVersion: 'v2.3.0' },
      new Date(),
    );
  });
  afterAll(async () => {
    await h?.close();
    scratch.remove();
  });

  const calls = () => standInCalls(log);

  it('posts in the thread what the Dry run button found, and changes nothing', async () => {
    await h.slash('checkout production errors');
    const id = await eventually(async () => (await h.bot.deps.store.recentIds(1))[0]);
    const incident = await eventually(async () => {
      const found = await h.bot.deps.store.get(id);
      return found?.messageTs ? found : undefined;
    });
    const card = JSON.stringify(h.slack.message(incident.channel, incident.messageTs!)?.blocks);
    expect(card).toContain('rollback_dry_run');
    expect(card).toContain(
      '--to-revision=N, then rollout status; N = the revision whose image tag is v2.3.0',
    );
    await h.click('dry-run', id, 'U0LEAD');
    const reply = await eventually(() =>
      h.slack
        .threadReplies(incident.channel, incident.messageTs!)
        .find((m) => /Dry run of/.test(m.text ?? '')),
    );
    expect(reply.text).toContain('nothing was changed');
    expect(reply.text).toContain(
      'revision 2 of deployment/checkout runs registry.example.com/checkout:v2.3.0',
    );
    expect(reply.text).toContain(
      'would run `kubectl rollout undo deployment/checkout -n prod --to-revision=2`',
    );
    expect(reply.text).toContain('(dry run)');
    expect(calls()).toEqual([
      'kubectl get replicasets -n prod -o json',
      'kubectl get deployment/checkout -n prod -o json',
      'kubectl rollout undo deployment/checkout -n prod --to-revision=2 --dry-run=server',
    ]);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toEqual(CLUSTER);
    expect((await h.bot.deps.store.get(id))?.state).toBe('awaiting_approval');
    await h.click('reject', id, 'U0LEAD');
  });

  it('answers /rollback dry-run without opening a request', async () => {
    writeFileSync(log, '');
    const before = await h.bot.deps.store.recentIds(10);
    await h.slash('dry-run checkout production --to v2.3.0');
    const answer = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).startsWith('*Dry run*')),
    );
    expect(String(answer.args.text)).toContain('no request opened');
    expect(String(answer.args.text)).toContain('--to-revision=2');
    expect(await h.bot.deps.store.recentIds(10)).toEqual(before);
    expect(calls().some((call) => call.includes('undo') && !call.includes('--dry-run=server'))).toBe(false);
  });
});
