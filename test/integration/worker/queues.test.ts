import { RollbackQueues, queueNameFor } from '../../../src/adapters/outbound/queue/rollback-queues.js';
import { testRedis, type TestRedis } from '../../support/redis.js';

describe('RollbackQueues (real Redis)', () => {
  let t: TestRedis;
  let queues: RollbackQueues;
  beforeEach(async () => {
    t = await testRedis('queues');
  });
  afterEach(async () => {
    await queues?.close();
    await t.cleanup();
  });

  it('forgets a queue whose opening failed, so the next call opens it again', async () => {
    const prefix = `${t.prefix}-bull`;
    const meta = `${prefix}:${queueNameFor('production')}:meta`;
    // One Redis error while setting the global concurrency: the meta key has the wrong type.
    await t.redis.set(meta, 'not a hash');
    queues = new RollbackQueues({ prefix, connection: t.redis });
    await expect(queues.queueFor('production')).rejects.toThrow(/WRONGTYPE/);
    expect(await queues.depths()).toEqual({});

    await t.redis.del(meta);
    const queue = await queues.queueFor('production');
    expect(await t.redis.hget(meta, 'concurrency')).toBe('1');
    await queue.add('rollback', { incidentId: 'RB-1' }, { jobId: 'rollback-RB-1' });
    expect(await queues.depths()).toEqual({ production: 1 });
  });
});
