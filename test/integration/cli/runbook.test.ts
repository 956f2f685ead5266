/**
 * `rollback-bot runbook`: the Markdown runbook for a known catalog and drill history (in a real
 * Redis): each step's exact command and its time from the last drills, the total against the
 * 5-minute goal, the nag for a stale rehearsal; and what it says without Redis.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DrillStore } from '../../../src/adapters/outbound/store/drills.js';
import { runbookCommand } from '../../../src/cli/runbook.js';
import type { DrillRecord } from '../../../src/domain/drill.js';
import { testRedis, type TestRedis } from '../../support/redis.js';

const CATALOG = `version: 1
defaults:
  channel: C0INCIDENTS
  approvers: [U0LEAD, S0SRE]
services:
  checkout:
    environments:
      staging:
        sqlRunner: [psql, -d, checkout, -c]
        alerts: { pagerduty: [PIJ90N7] }
        rollback:
          - name: Roll back to {toVersion}
            kubernetes: { deployment: checkout, namespace: staging }
          - name: Annotate
            run: [kubectl, annotate, deployment/checkout, -n, staging, "rolled-back-by={incidentId}"]
        verify:
          - name: Health
            http: { url: "http://checkout.staging.svc/healthz" }
`;
const NOW = new Date('2026-12-03T12:00:00Z');

function drill(at: string, undoMs: number, annotateMs?: number): DrillRecord {
  return {
    service: 'checkout',
    environment: 'staging',
    incidentId: 'RB-1',
    at,
    outcome: 'succeeded',
    totalMs: 200_000,
    steps: [
      { name: 'Roll back to {toVersion}', durationMs: undoMs, ok: true },
      ...(annotateMs === undefined ? [] : [{ name: 'Annotate', durationMs: annotateMs, ok: true }]),
    ],
    verifyMs: 20_000,
  };
}

describe('rollback-bot runbook', () => {
  let redis: TestRedis;
  let dir: string;
  beforeEach(async () => {
    redis = await testRedis('runbook');
    dir = await mkdtemp(join(tmpdir(), 'rb-runbook-'));
    await writeFile(join(dir, 'catalog.yaml'), CATALOG);
  });
  afterEach(async () => {
    await redis.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[], env: Record<string, string> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runbookCommand(
      args,
      { stdout: (s) => out.push(s), stderr: (s) => err.push(s) },
      {
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        ROLLBACK_CATALOG: join(dir, 'catalog.yaml'),
        ...env,
      },
      NOW,
    );
    return { code, out: out.join(''), err: err.join('') };
  }

  it('times each step from the last three drills and adds them up against the 5-minute goal', async () => {
    const store = new DrillStore(redis.redis, redis.prefix);
    // Oldest first; the oldest falls out of the last three.
    for (const record of [
      drill('2026-10-01T10:00:00Z', 900_000, 1_000),
      drill('2026-11-01T10:00:00Z', 40_000, 2_000),
      drill('2026-11-15T10:00:00Z', 60_000, 4_000),
      drill('2026-11-20T10:00:00Z', 50_000, 3_000),
    ])
      await store.record(record);
    const { code, out } = await run(['checkout', 'staging']);
    expect(code).toBe(0);
    expect(out).toContain('# Rollback runbook: checkout / staging');
    expect(out).toContain('Last rehearsed 2026-11-20 (13 days ago).');
    expect(out).toContain(
      '| 1 | Roll back to {toVersion} | `kubectl rollout undo deployment/checkout -n staging --to-revision=N, then rollout status; N = the revision whose image tag is the one before the current, read from its ReplicaSets when the step runs` | idempotent: safe to re-run; timeout 2m | ~50 s in the last drills |',
    );
    expect(out).toContain(
      '| 2 | Annotate | `kubectl annotate deployment/checkout -n staging "rolled-back-by={incidentId}"` | not idempotent: never re-run by the bot; timeout 2m | ~3 s in the last drills |',
    );
    // 50 s + 3 s + 20 s of verification.
    expect(out).toContain(
      '**Time:** 1m 13s from approval to verified in the last drills, against the 5m goal: within it.',
    );
    expect(out).toContain('- Preconditions run through the sqlRunner: `psql -d checkout -c <SQL>`.');
    expect(out).toContain('- PagerDuty services: PIJ90N7.');
    expect(out).toContain('- Tools on the worker: kubectl, psql.');
  });

  it('says "not yet rehearsed" per step and for the total when a step never ran in a drill', async () => {
    await new DrillStore(redis.redis, redis.prefix).record(drill('2026-11-20T10:00:00Z', 50_000));
    const { out } = await run(['checkout', 'staging']);
    expect(out).toContain('| not yet rehearsed |');
    expect(out).toContain('**Time:** Not yet rehearsed end to end: the 5m goal is unproven.');
  });

  it('nags when the last drill is over 90 days old', async () => {
    await new DrillStore(redis.redis, redis.prefix).record(drill('2026-08-01T10:00:00Z', 50_000, 3_000));
    const { out } = await run(['checkout', 'staging']);
    expect(out).toContain('Last rehearsed 2026-08-01 (124 days ago): over 90 days, rehearse again.');
    expect(out).toContain('(but the drills are stale: rehearse again)');
  });

  it('still prints without Redis, saying the history is unavailable', async () => {
    const { code, out } = await run(['checkout', 'staging'], { REDIS_URL: 'redis://127.0.0.1:9' });
    expect(code).toBe(0);
    expect(out).toMatch(/Not yet rehearsed: .*\(drill history unavailable \(redis:\/\/127\.0\.0\.1:9: /);
  });

  it.each([
    [['checkout'], 2, 'usage: rollback-bot runbook <service> <environment>'],
    [['checkout', 'staging', 'extra'], 2, 'usage:'],
    [['payments', 'staging'], 1, 'payments/staging is not in'],
  ])('%j exits %i', async (args, exit, message) => {
    const { code, err } = await run(args);
    expect(code).toBe(exit);
    expect(err).toContain(message);
  });
});
