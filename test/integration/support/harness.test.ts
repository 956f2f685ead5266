import { testRedis } from '../../support/redis.js';

describe('test harness', () => {
  it('reaches a real Redis and removes only its own keys', async () => {
    const a = await testRedis('a');
    const b = await testRedis('b');
    await a.redis.set(`${a.prefix}:k`, '1');
    await b.redis.set(`${b.prefix}:k`, '2');
    await a.cleanup();
    expect(await b.redis.get(`${b.prefix}:k`)).toBe('2');
    await b.cleanup();
  });
});
