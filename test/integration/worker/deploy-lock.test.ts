import { createHmac } from 'node:crypto';
import { parseCatalog } from '../../../src/catalog/load.js';
import { startHarness } from '../../support/bot-harness.js';
import {
  approveRequest,
  eventsOf,
  eventually,
  FAST_EXECUTION,
  scratchDir,
  threadText,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

const DEPLOY_SECRET = 'deploy-secret-0123456789';

async function postDeploy(h: Harness, body: object): Promise<number> {
  const raw = JSON.stringify(body);
  const signature = `sha256=${createHmac('sha256', DEPLOY_SECRET).update(raw).digest('hex')}`;
  const answer = await fetch(`${h.bot.url}/webhooks/deploys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-signature-256': signature },
    body: raw,
  });
  return answer.status;
}

describe('the deploy lock after a successful rollback', () => {
  let h: Harness;
  const scratch = scratchDir();
  afterEach(async () => h?.close());
  afterAll(() => scratch.remove());

  it('locks the environment against the rolled-back version until /rollback unlock', async () => {
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Undo deployment', log: scratch.log('lock') }] } },
    });
    h = await startHarness(
      {},
      { catalog: parseCatalog(yaml, 'lock-catalog.yaml'), execution: FAST_EXECUTION },
      { DEPLOY_WEBHOOK_SECRET: DEPLOY_SECRET },
    );
    expect(
      await postDeploy(h, {
        service: 'checkout',
        environment: 'production',
        version: 'v2.3.0',
        deployedAt: new Date(Date.now() - 3_600_000).toISOString(),
      }),
    ).toBe(202);
    expect(
      await postDeploy(h, {
        service: 'checkout',
        environment: 'production',
        version: 'v2.4.0',
        previousVersion: 'v2.3.0',
      }),
    ).toBe(202);
    const free = await fetch(`${h.bot.url}/locks/checkout/production`);
    expect(free.status).toBe(200);

    // No --to: the target defaults to the deploy before the current one.
    const id = await approveRequest(h, 'checkout production errors after the deploy');
    const incident = await h.bot.deps.store.get(id);
    expect([incident?.fromVersion, incident?.toVersion]).toEqual(['v2.4.0', 'v2.3.0']);
    expect(await waitForState(h, id, ['completed', 'failed', 'manual_intervention'])).toBe('completed');

    const locked = await eventually(async () => {
      const answer = await fetch(`${h.bot.url}/locks/checkout/production`);
      return answer.status === 423 ? ((await answer.json()) as Record<string, unknown>) : undefined;
    });
    expect(locked).toMatchObject({ locked: true, version: 'v2.4.0', incidentId: id });
    expect(String(locked.reason)).toContain('/rollback unlock checkout production');
    // The note lands in the thread with the write-up's refresh, just after the lock itself.
    await eventually(async () =>
      (await threadText(h, id)).includes('locked against v2.4.0') ? true : undefined,
    );

    await h.slash('unlock checkout production', 'U0OUTSIDER');
    const refused = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes('Only an approver')),
    );
    expect(String(refused.args.text)).toContain('it stays in place');
    expect((await fetch(`${h.bot.url}/locks/checkout/production`)).status).toBe(423);

    await h.slash('unlock checkout production', 'U0LEAD');
    const answer = await eventually(() =>
      h.slack.callsTo('response_url').find((c) => String(c.args.text).includes('Unlocked')),
    );
    expect(String(answer.args.text)).toContain('v2.4.0');
    expect((await fetch(`${h.bot.url}/locks/checkout/production`)).status).toBe(200);
    expect((await eventsOf(h, id, 'unlocked')).map((e) => e.by)).toEqual(['U0LEAD']);
  });
});
