import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  approveRequest,
  eventsOf,
  eventually,
  extraBot,
  scratchDir,
  starts,
  startWorkerHarness,
  threadText,
  waitForState,
  workerCatalogYaml,
  type Harness,
} from './helpers.js';

describe('a shutdown during verification', () => {
  let h: Harness | undefined;
  const scratch = scratchDir();
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  afterAll(() => scratch.remove());

  it('leaves the rollback running (not unverified); the next worker verifies again and completes it', async () => {
    const log = scratch.log('verify-stop');
    const marker = join(scratch.dir, 'checked-once');
    // The first check hangs (it outlasts the grace period); once the marker exists it passes.
    const script = `const fs = require('fs'); const m = ${JSON.stringify(marker)}; if (fs.existsSync(m)) process.exit(0); fs.writeFileSync(m, 'x'); setTimeout(() => process.exit(0), 20000)`;
    const verify = `        verify:\n          - name: Health\n            run: ${JSON.stringify([process.execPath, '-e', script])}\n            retries: 0\n            timeout: 30s`;
    const yaml = workerCatalogYaml({
      checkout: { production: { steps: [{ name: 'Undo deployment', log }], verify } },
    });
    h = await startWorkerHarness(yaml, {
      execution: { worker: { lockDurationMs: 1500, stalledIntervalMs: 500, shutdownGraceMs: 300 } },
    });
    const id = await approveRequest(h, 'checkout production --to v2.3.0 bad deploy');
    await eventually(() => (existsSync(marker) ? true : undefined));
    await h.bot.stop();
    const stored = JSON.parse((await h.redis.redis.get(`${h.redis.prefix}:incident:${id}`)) ?? '{}');
    expect(stored.state).toBe('running');

    h.bot = await extraBot(h, yaml, 'all');
    expect(await waitForState(h, id, ['completed', 'unverified', 'failed', 'manual_intervention'])).toBe(
      'completed',
    );
    expect(starts(log)).toBe(1);
    expect(await eventsOf(h, id, 'verify_failed')).toHaveLength(0);
    expect((await eventsOf(h, id, 'verify_passed')).map((e) => e.check)).toEqual(['Health']);
    expect(await threadText(h, id)).not.toContain('Manual intervention is required');
  });
});
