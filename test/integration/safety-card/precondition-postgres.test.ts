/**
 * The precondition step the card shows is the one that fixes the database: built from a real git
 * release, run through the one process runner with psql against a real PostgreSQL, it makes the
 * old version's inserts work again, and running it twice is harmless (it is marked idempotent).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { analyzeIncidentRelease } from '../../../src/adapters/outbound/release-source/analyze-incident.js';
import { GitReleaseSource } from '../../../src/adapters/outbound/release-source/git-release-source.js';
import { ExecaCommandRunner } from '../../../src/adapters/outbound/shell/command-runner.js';
import { applySafety } from '../../../src/domain/override.js';
import { checkoutReleases, gitRepo, NOT_NULL_NO_DEFAULT, type GitRepo } from './git-fixture.js';
import { anIncident } from '../../support/builders.js';

const HOST = process.env.PGHOST ?? '127.0.0.1';
const PORT = process.env.PGPORT ?? '5432';
const database = `rbtest_precond_${randomBytes(4).toString('hex')}`;
const OLD_INSERT = "INSERT INTO orders (customer, total) VALUES ('old-app', 5)";

let admin: pg.Client;
let db: pg.Client;
let repo: GitRepo;

beforeAll(async () => {
  admin = new pg.Client({ host: HOST, port: Number(PORT), user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  db = new pg.Client({ host: HOST, port: Number(PORT), user: 'postgres', database });
  await db.connect();
  repo = await gitRepo(checkoutReleases(NOT_NULL_NO_DEFAULT));
});

afterAll(async () => {
  await db?.end();
  await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin?.end();
  await repo?.cleanup();
});

const incident = anIncident({
  id: 'RB-1',
  requester: 'U0REQUESTER',
  reason: 'errors',
  fromVersion: 'v2.4.0',
  toVersion: 'v2.3.0',
  plan: { steps: [], verify: [], timeBudgetMs: 60_000 },
  policy: { approvers: ['U0LEAD'], requiredApprovals: 1, allowSelfApproval: false },
  channel: 'C0INCIDENTS',
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  expiresAt: new Date().toISOString(),
});

it('runs the SET DEFAULT step through psql and the old version can insert again', async () => {
  await db.query('CREATE TABLE orders (id serial PRIMARY KEY, customer text, total int)');
  await db.query(NOT_NULL_NO_DEFAULT); // v2.4.0 is deployed
  await expect(db.query(OLD_INSERT)).rejects.toThrow(/order_metadata/);

  const report = await analyzeIncidentRelease(new GitReleaseSource(), {
    service: 'checkout',
    repo: repo.dir,
    fromVersion: 'v2.4.0',
    toVersion: 'v2.3.0',
    flagPatterns: [],
  });
  const sqlRunner = [
    'psql',
    '--no-psqlrc',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    HOST,
    '-p',
    PORT,
    '-U',
    'postgres',
    '-d',
    database,
    '-c',
  ];
  const planned = applySafety(incident, report, { sqlRunner, stepTimeoutMs: 10_000 });
  const [step] = planned.plan.steps;
  expect(step?.idempotent).toBe(true);

  const runner = new ExecaCommandRunner();
  for (let run = 0; run < 2; run++) {
    const result = await runner.run({ argv: step!.argv, timeoutMs: step!.timeoutMs });
    expect(result).toMatchObject({ status: 'succeeded' });
  }
  await db.query(OLD_INSERT);
  const { rows } = await db.query("SELECT order_metadata FROM orders WHERE customer = 'old-app'");
  expect(rows).toEqual([{ order_metadata: {} }]);
});
