import type { Bot } from '../../../src/bot.js';
import {
  approveRequest,
  extraBot,
  intervals,
  scratchDir,
  startWorkerHarness,
  waitForState,
  workerCatalogYaml,
  type EnvSpec,
  type Harness,
} from './helpers.js';

describe('one rollback at a time per environment', () => {
  let h: Harness;
  const others: Bot[] = [];
  const scratch = scratchDir();
  afterAll(async () => {
    for (const bot of others) await bot.stop();
    await h?.close();
    scratch.remove();
  });

  it('never overlaps two rollbacks of one environment across several workers; other environments run alongside', async () => {
    const production = scratch.log('production');
    const staging = scratch.log('staging');
    const env = (log: string, service: string): EnvSpec => ({
      steps: [
        { name: 'Undo deployment', label: `${service}-1`, log, env: { STEP_SLEEP_MS: '300' } },
        { name: 'Wait for rollout', label: `${service}-2`, log, env: { STEP_SLEEP_MS: '100' } },
      ],
    });
    const yaml = workerCatalogYaml(
      Object.fromEntries(
        ['checkout', 'payments', 'search'].map((service) => [
          service,
          { production: env(production, service), staging: env(staging, service) },
        ]),
      ),
    );
    h = await startWorkerHarness(yaml);
    // Two more worker-only bots on the same Redis: three processes compete for every job.
    others.push(await extraBot(h, yaml, 'worker'), await extraBot(h, yaml, 'worker'));

    const ids: string[] = [];
    for (const service of ['checkout', 'payments', 'search'])
      ids.push(await approveRequest(h, `${service} production --to v2.3.0 errors`));
    const stagingId = await approveRequest(h, 'checkout staging --to v2.3.0 errors');
    for (const id of [...ids, stagingId])
      expect(await waitForState(h, id, ['completed'], 15_000)).toBe('completed');

    const runs = intervals(production);
    expect(runs).toHaveLength(6);
    const sorted = [...runs].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i]!.start).toBeGreaterThanOrEqual(sorted[i - 1]!.end);
    }
    // Each rollback's two steps ran back to back, not interleaved with another rollback's.
    const services = sorted.map((r) => r.label.split('-')[0]);
    expect(services.filter((s, i) => i % 2 === 1 && s !== services[i - 1])).toEqual([]);

    // Staging did not wait for production's line.
    const stagingRuns = intervals(staging);
    expect(stagingRuns).toHaveLength(2);
    const productionEnd = Math.max(...runs.map((r) => r.end));
    expect(stagingRuns[0]!.start).toBeLessThan(productionEnd);

    // The last production request's card said how many rollbacks were ahead, and moved up.
    const last = await h.bot.deps.store.get(ids[2]!);
    const cardUpdates = h.slack
      .callsTo('chat.update')
      .filter((c) => c.args.ts === last?.messageTs)
      .map((c) => JSON.stringify(c.args.blocks));
    expect(
      cardUpdates.some((text) => text.includes('Queued* behind 2 other rollback(s) in production')),
    ).toBe(true);
    expect(
      cardUpdates.some((text) => text.includes('Queued* behind 1 other rollback(s) in production')),
    ).toBe(true);
  });
});
