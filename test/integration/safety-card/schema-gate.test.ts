/**
 * The live schema gate against a real PostgreSQL, through the whole bot (real git release with a
 * NOT NULL migration, real worker, real psql): a precondition already in effect makes the release
 * safe; one that is not stops the rollback before its first code step, touching nothing; the
 * precondition step run through psql opens the gate and the rollback completes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DeployStore } from '../../../src/adapters/outbound/store/deploys.js';
import { eventually, startHarness, type CatalogOptions, type Harness } from '../../support/bot-harness.js';
import { checkoutReleases, gitRepo, NOT_NULL_NO_DEFAULT, type GitRepo } from './git-fixture.js';

const HOST = process.env.PGHOST ?? '127.0.0.1';
const PORT = process.env.PGPORT ?? '5432';
const database = `rbtest_gate_${randomBytes(4).toString('hex')}`;
const DATABASE_URL = `postgres://postgres@${HOST}:${PORT}/${database}`;
const SET_DEFAULT = "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'";
const SQL_RUNNER = ['psql', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-d', DATABASE_URL, '-c'];

let admin: pg.Client;
let db: pg.Client;
let repo: GitRepo;
let h: Harness | undefined;
let dir: string;

beforeAll(async () => {
  admin = new pg.Client({ host: HOST, port: Number(PORT), user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  repo = await gitRepo(checkoutReleases(NOT_NULL_NO_DEFAULT));
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rb-gate-'));
  // v2.4.0 is deployed: its migration made order_metadata NOT NULL without a default.
  await db.query('DROP TABLE IF EXISTS orders');
  await db.query('CREATE TABLE orders (id serial PRIMARY KEY, customer text, total int)');
  await db.query(NOT_NULL_NO_DEFAULT);
});
afterEach(async () => {
  await h?.close();
  h = undefined;
  rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
  await repo?.cleanup();
});

async function start(catalog: CatalogOptions = {}) {
  const marker = join(dir, 'code-step-ran');
  h = await startHarness(
    {
      repo: repo.dir,
      approvers: ['U0LEAD', 'U0SECOND'],
      extraProduction: '        database: { urlEnv: CHECKOUT_DATABASE_URL }\n',
      steps: `          - name: Roll the code back\n            run: [touch, ${JSON.stringify(marker)}]`,
      ...catalog,
    },
    { catalogEnv: { CHECKOUT_DATABASE_URL: DATABASE_URL } },
  );
  await new DeployStore(h.bot.redis, h.redis.prefix).record(
    { service: 'checkout', environment: 'production', version: 'v2.4.0', previousVersion: 'v2.3.0' },
    new Date(),
  );
  await h.slash('checkout production --to v2.3.0 errors after the deploy');
  const id = await eventually(async () => (await h!.bot.deps.store.recentIds(1))[0]);
  const incident = await eventually(async () => {
    const found = await h!.bot.deps.store.get(id);
    return found?.messageTs ? found : undefined;
  }, 15_000);
  const card = JSON.stringify(h.slack.message(incident.channel, incident.messageTs!)?.blocks ?? []);
  return { id, incident, card: card.replace(/\\"/g, '"'), marker };
}

const settled = (id: string) =>
  eventually(async () => {
    const incident = await h!.bot.deps.store.get(id);
    return incident && ['completed', 'failed', 'unverified', 'manual_intervention'].includes(incident.state)
      ? incident
      : undefined;
  }, 30_000);

describe('the live schema gate', () => {
  it('calls the release safe when the live column already has its default, and says so', async () => {
    await db.query(SET_DEFAULT);
    const { incident, card } = await start();
    expect(incident.safety).toMatchObject({ verdict: 'safe', override: false });
    expect(incident.safety?.gate).toBeUndefined();
    expect(card).toContain('Already in effect in the live database:* orders.order_metadata has a default');
    expect(incident.policy.requiredApprovals).toBe(1);
  });

  it('stops the rollback before its first code step while the precondition is not in effect', async () => {
    const { id, incident, card, marker } = await start();
    expect(incident.safety).toMatchObject({ verdict: 'conditional', override: true });
    expect(card).toContain('Schema gate:* right before the first code step');
    await h!.click('approve', id, 'U0LEAD');
    await h!.click('approve', id, 'U0SECOND');
    const ended = await settled(id);
    expect(ended.state).toBe('manual_intervention');
    expect(existsSync(marker)).toBe(false); // the code step never ran
    const timeline = await h!.bot.deps.store.timeline(id);
    expect(timeline.find((e) => e.type === 'schema_gate')).toMatchObject({
      open: false,
      detail: `orders.order_metadata is still NOT NULL without a default: run \`${SET_DEFAULT}\` first`,
    });
    expect(timeline.some((e) => e.type === 'step_started')).toBe(false);
    expect(timeline.find((e) => e.type === 'manual_intervention_required')).toMatchObject({
      why: expect.stringContaining('The schema gate stopped the rollback before "Roll the code back"'),
    });
  });

  it('opens once the precondition step really ran through psql, and the rollback completes', async () => {
    const { id, incident, marker } = await start({ sqlRunner: SQL_RUNNER });
    expect(incident.plan.steps.map((step) => step.id)).toEqual(['p1', 's1']);
    await h!.click('approve', id, 'U0LEAD');
    const ended = await settled(id);
    expect(ended.state).toBe('completed');
    expect(existsSync(marker)).toBe(true);
    const gate = (await h!.bot.deps.store.timeline(id)).find((e) => e.type === 'schema_gate');
    expect(gate).toMatchObject({ open: true, detail: 'orders.order_metadata has a default' });
  });

  it('lets two approvers waive a gate they checked themselves, on the record', async () => {
    const { id, marker } = await start();
    await h!.click('waive', id, 'U0LEAD');
    await h!.click('waive', id, 'U0SECOND');
    await eventually(async () =>
      (await h!.bot.deps.store.get(id))?.safety?.gate?.waivers.length === 2 ? true : undefined,
    );
    await h!.click('approve', id, 'U0LEAD');
    await h!.click('approve', id, 'U0SECOND');
    const ended = await settled(id);
    expect(ended.state).toBe('completed');
    expect(existsSync(marker)).toBe(true);
    const timeline = await h!.bot.deps.store.timeline(id);
    expect(timeline.find((e) => e.type === 'gate_waived')).toMatchObject({
      approvers: ['U0LEAD', 'U0SECOND'],
      requirements: ['orders.order_metadata'],
    });
    expect(timeline.find((e) => e.type === 'schema_gate')).toMatchObject({ open: true });
  });
});
