/**
 * `/rollback drill`: refused for production; in staging it runs the plan for real, approvals and
 * all, records each step's time for the runbook, sets no deploy lock, and the next card and
 * `/rollback help` say when the service was last rehearsed.
 */
import { DrillStore } from '../../../src/adapters/outbound/store/drills.js';
import { LockStore } from '../../../src/adapters/outbound/store/locks.js';
import {
  cardText,
  eventually,
  openRequest,
  scratchDir,
  startWorkerHarness,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

describe('/rollback drill', () => {
  let h: Harness;
  const scratch = scratchDir();
  afterEach(async () => h?.close());
  afterAll(() => scratch.remove());

  const catalog = () =>
    workerCatalogYaml({
      checkout: {
        staging: {
          steps: [
            { name: 'Undo deployment', log: scratch.log('drill'), label: 'undo', idempotent: true },
            { name: 'Wait for rollout', log: scratch.log('drill'), label: 'wait', idempotent: true },
          ],
        },
        production: { steps: [{ name: 'Undo deployment', log: scratch.log('prod'), idempotent: true }] },
      },
    });

  it('refuses production, saying where to rehearse instead, and opens nothing', async () => {
    h = await startWorkerHarness(catalog());
    const answer = await h.slash('drill checkout production');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).text).toBe(
      'Drills run the plan for real, so production is never drilled: rehearse in a non-production environment (staging), whose times feed the runbook.',
    );
    expect(await h.bot.deps.store.recentIds()).toEqual([]);
  });

  it('runs in staging with approvals, records each step’s time, locks nothing, and the help says when', async () => {
    h = await startWorkerHarness(catalog());
    const id = await openRequest(h, 'drill checkout staging --to v2.3.0');
    const card = await cardText(h, id);
    expect(card).toContain('Drill: rollback checkout · staging');
    expect(card).toContain('a rehearsal that runs the plan for real in staging, approvals and all');
    expect(card).toContain('Not yet rehearsed');
    // Approvals as for a real rollback: the requester's own click does not count.
    await h.click('approve', id, 'U0REQUESTER');
    expect((await h.bot.deps.store.get(id))?.state).toBe('awaiting_approval');
    await h.click('approve', id, 'U0LEAD');
    await waitForState(h, id, ['completed']);

    const drills = await eventually(async () => {
      const recorded = await new DrillStore(h.bot.redis, h.redis.prefix).recent('checkout');
      return recorded.length > 0 ? recorded : undefined;
    });
    expect(drills).toHaveLength(1);
    expect(drills[0]).toMatchObject({ environment: 'staging', incidentId: id, outcome: 'succeeded' });
    expect(drills[0]?.steps.map((s) => [s.name, s.ok])).toEqual([
      ['Undo deployment', true],
      ['Wait for rollout', true],
    ]);
    expect(drills[0]?.steps.every((s) => s.durationMs > 0)).toBe(true);
    expect(await new LockStore(h.bot.redis, h.redis.prefix).get('checkout', 'staging')).toBeUndefined();

    const help = JSON.parse((await h.slash('help')).text).text as string;
    expect(help).toContain('• checkout: Last rehearsed');
    expect(help).toContain('(today).');
    const next = await openRequest(h, 'checkout production --to v2.3.0 errors');
    expect(await cardText(h, next)).toContain('Last rehearsed');
  });
});
