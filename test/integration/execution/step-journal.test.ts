import { FencedOutError } from '../../../src/flows/ports/step-journal.js';
import { RedisStepJournal } from '../../../src/adapters/outbound/store/step-journal.js';
import { testRedis, type TestRedis } from '../../support/redis.js';

describe('RedisStepJournal', () => {
  let t: TestRedis;
  let journal: RedisStepJournal;
  beforeEach(async () => {
    t = await testRedis('journal');
    journal = new RedisStepJournal(t.redis, { keyPrefix: t.prefix });
  });
  afterEach(() => t.cleanup());

  it('records a step from started to succeeded, with times, attempt, exit code and output', async () => {
    const token = await journal.acquireFence('RB-1');
    await journal.markStarted(token, 's1', { attempt: 1, startedAt: '2024-05-01T10:00:00.000Z' });
    expect((await journal.read('RB-1')).steps.s1).toMatchObject({ status: 'started', attempt: 1 });
    await journal.markSucceeded(token, 's1', {
      attempt: 1,
      startedAt: '2024-05-01T10:00:00.000Z',
      endedAt: '2024-05-01T10:00:02.000Z',
      durationMs: 2000,
      exitCode: 0,
      outputTail: 'deployment rolled back',
    });
    const snapshot = await journal.read('RB-1');
    expect(snapshot.steps.s1).toEqual({
      stepId: 's1',
      status: 'succeeded',
      attempt: 1,
      token: token.value,
      startedAt: '2024-05-01T10:00:00.000Z',
      endedAt: '2024-05-01T10:00:02.000Z',
      durationMs: 2000,
      exitCode: 0,
      outputTail: 'deployment rolled back',
    });
    expect(snapshot.steps.s2).toBeUndefined();
  });

  it('refuses every write from an older token once a newer one was taken, and keeps the newer data', async () => {
    const stale = await journal.acquireFence('RB-2');
    const fresh = await journal.acquireFence('RB-2');
    expect(fresh.value).toBeGreaterThan(stale.value);
    await journal.markStarted(fresh, 's1', { attempt: 2 });

    await expect(journal.markStarted(stale, 's2', { attempt: 1 })).rejects.toBeInstanceOf(FencedOutError);
    await expect(journal.markSucceeded(stale, 's1', { attempt: 1 })).rejects.toThrow(
      `incident RB-2: fencing token ${stale.value} is stale (current ${fresh.value})`,
    );
    const snapshot = await journal.read('RB-2');
    expect(snapshot.steps.s1).toMatchObject({ status: 'started', attempt: 2, token: fresh.value });
    expect(snapshot.steps.s2).toBeUndefined();
  });

  it("moves a started step's lease for its owner only, and never a finished step's", async () => {
    const old = await journal.acquireFence('RB-1');
    await journal.markStarted(old, 's1', {
      attempt: 1,
      startedAt: '2024-05-01T10:00:00.000Z',
      leaseUntil: 1000,
    });
    await journal.renewLease(old, 's1', 2000);
    expect((await journal.read('RB-1')).steps.s1).toMatchObject({ status: 'started', leaseUntil: 2000 });

    const current = await journal.acquireFence('RB-1');
    await expect(journal.renewLease(old, 's1', 3000)).rejects.toBeInstanceOf(FencedOutError);
    expect((await journal.read('RB-1')).steps.s1?.leaseUntil).toBe(2000);

    await journal.markSucceeded(current, 's1', { attempt: 2, startedAt: '2024-05-01T10:01:00.000Z' });
    await journal.renewLease(current, 's1', 4000);
    expect((await journal.read('RB-1')).steps.s1).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect((await journal.read('RB-1')).steps.s1?.leaseUntil).toBeUndefined();
  });

  it('keeps the first start time across attempts, so the time budget does not restart', async () => {
    let clock = new Date('2024-05-01T10:00:00.000Z');
    const timed = new RedisStepJournal(t.redis, { keyPrefix: t.prefix, now: () => clock });
    await timed.acquireFence('RB-3');
    clock = new Date('2024-05-01T10:03:00.000Z');
    await timed.acquireFence('RB-3');
    expect((await timed.read('RB-3')).firstStartedAt).toBe('2024-05-01T10:00:00.000Z');
  });

  it('keeps incidents apart and refuses malformed ids', async () => {
    const a = await journal.acquireFence('RB-4');
    await journal.acquireFence('RB-5');
    await journal.markStarted(a, 's1', { attempt: 1 });
    expect((await journal.read('RB-5')).steps).toEqual({});
    await expect(journal.acquireFence('RB 6;DEL')).rejects.toThrow('invalid incident id "RB 6;DEL"');
    await expect(journal.markStarted(a, 'bad id', { attempt: 1 })).rejects.toThrow(
      'invalid step id "bad id"',
    );
  });
});
