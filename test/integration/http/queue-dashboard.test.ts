/**
 * The queue dashboard (bull-board) at /admin/queues: off without ADMIN_TOKEN, behind its bearer
 * token with it, and showing the catalog's rollback queues with the jobs an approval puts there.
 */
import { eventually, startHarness, type Harness } from '../../support/bot-harness.js';

const TOKEN = 'admin-token-0123456789abcdef';
let h: Harness | undefined;
afterEach(async () => h?.close());

async function get(path: string, token?: string) {
  const res = await fetch(
    `${h!.bot.url}${path}`,
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  return { status: res.status, text: await res.text() };
}

describe('GET /admin/queues', () => {
  it('does not exist without ADMIN_TOKEN', async () => {
    h = await startHarness();
    expect((await get('/admin/queues', TOKEN)).status).toBe(404);
    expect((await get('/admin/queues/api/queues', TOKEN)).status).toBe(404);
  });

  it('asks for the bearer token, then lists the rollback queues and the approved job, read-only', async () => {
    h = await startHarness({}, {}, { ADMIN_TOKEN: TOKEN });
    expect((await get('/admin/queues')).status).toBe(401);
    expect((await get('/admin/queues', 'wrong-token-0123456789abcdef')).status).toBe(401);
    expect((await get('/admin/queues/api/queues', 'wrong-token-0123456789abcdef')).status).toBe(401);

    const page = await get('/admin/queues', TOKEN);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Rollbacks</title>');

    await h.slash('checkout production --to v2.3.0 errors after the deploy');
    const id = await eventually(async () => (await h!.bot.deps.store.recentIds(1))[0]);
    await eventually(async () => ((await h!.bot.deps.store.get(id))?.messageTs ? true : undefined));
    expect((await h.click('approve', id, 'U0LEAD')).status).toBe(200);
    await eventually(async () => {
      const listed = await get(
        '/admin/queues/api/queues?activeQueue=rollback-production&status=latest',
        TOKEN,
      );
      return listed.text.includes(`rollback-${id}`) ? listed : undefined;
    }, 10_000);
    const { text } = await get('/admin/queues/api/queues', TOKEN);
    const names = (JSON.parse(text) as { queues: { name: string; readOnlyMode: boolean }[] }).queues;
    expect(names.map((q) => q.name).sort()).toEqual(['rollback-production', 'rollback-staging']);
    expect(names.every((q) => q.readOnlyMode)).toBe(true);
  });
});
