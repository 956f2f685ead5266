/**
 * What a safety report does to an incident (domain/override.ts), the approval hold while the
 * analysis runs, and the catalog's sqlRunner key that makes preconditions runnable.
 */
import { readFile } from 'node:fs/promises';
import { CatalogError, loadCatalog, parseCatalog } from '../../../src/catalog/load.js';
import { decideApproval } from '../../../src/domain/approval.js';
import { applySafety, isIdempotentPrecondition, pendingSafety } from '../../../src/domain/override.js';
import { unanalyzedReport } from '../../../src/domain/safety/index.js';
import type { SafetyReport } from '../../../src/domain/safety/types.js';
import { ensureParserLoaded } from '../../../src/domain/safety/sql-parser.js';
import { anIncident } from '../../support/builders.js';

beforeAll(() => ensureParserLoaded());

const now = new Date('2026-01-01T10:00:00Z');
const incident = anIncident({
  id: 'RB-7',
  requester: 'U0REQUESTER',
  reason: 'errors',
  fromVersion: 'v2.4.0',
  toVersion: 'v2.3.0',
  plan: {
    steps: [
      {
        id: 's1',
        name: 'Undo',
        argv: ['kubectl', 'rollout', 'undo'],
        idempotent: true,
        timeoutMs: 1000,
        env: {},
      },
    ],
    verify: [],
    timeBudgetMs: 60_000,
  },
  policy: { approvers: ['U0LEAD', 'U0SECOND'], requiredApprovals: 1, allowSelfApproval: false },
  channel: 'C0INCIDENTS',
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
  expiresAt: new Date(now.getTime() + 60_000).toISOString(),
});

function report(verdict: SafetyReport['verdict'], sql: string[] = []): SafetyReport {
  return {
    analyzed: true,
    verdict,
    files: [
      {
        path: 'migrations/002.sql',
        verdict: verdict === 'unknown' ? 'safe' : verdict,
        findings:
          verdict === 'unsafe'
            ? [
                {
                  rule: 'drop-column',
                  severity: 'unsafe',
                  message: 'orders.total is dropped.',
                  remediation: 'Fix forward.',
                },
              ]
            : [],
      },
    ],
    preconditions: sql.map((text) => ({ sql: text, why: 'orders.order_metadata is NOT NULL' })),
    alternatives: [],
    dependencies: [],
    flags: [],
    config: [],
  };
}

const SET_DEFAULT = "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'";
const runner = { sqlRunner: ['psql', '-c'], stepTimeoutMs: 5000 };

describe('applySafety', () => {
  it('puts runnable preconditions first, once, even when a report is applied again', () => {
    const once = applySafety(
      incident,
      report('conditional', [SET_DEFAULT, 'UPDATE orders SET x = 1']),
      runner,
    );
    const twice = applySafety(once, report('conditional', [SET_DEFAULT]), runner);
    expect(once.plan.steps.map((s) => [s.id, s.idempotent])).toEqual([
      ['p1', true],
      ['p2', false],
      ['s1', true],
    ]);
    expect(twice.plan.steps.map((s) => s.id)).toEqual(['p1', 's1']);
    expect(twice.plan.steps[0]?.argv).toEqual(['psql', '-c', SET_DEFAULT]);
  });

  it('raises approvals to two for unsafe, keeps a higher catalog value, and restores it when safe', () => {
    const unsafe = applySafety(incident, report('unsafe'), runner);
    expect(unsafe.policy.requiredApprovals).toBe(2);
    expect(unsafe.safety?.why).toBe(
      'Rolling back v2.4.0 → v2.3.0 breaks the old version or loses data: orders.total is dropped. Two approvers must override.',
    );
    const strict = { ...incident, policy: { ...incident.policy, requiredApprovals: 3 } };
    expect(applySafety(strict, report('unsafe'), runner).policy.requiredApprovals).toBe(3);
    // A late report replaces an earlier decision; the catalog's own number is remembered.
    expect(applySafety(unsafe, report('safe'), runner).policy.requiredApprovals).toBe(1);
  });

  it('needs the override for a conditional release when no sqlRunner can run the SQL', () => {
    const manual = applySafety(incident, report('conditional', [SET_DEFAULT]), { stepTimeoutMs: 5000 });
    expect(manual.plan.steps.map((s) => s.id)).toEqual(['s1']);
    expect(manual.policy.requiredApprovals).toBe(2);
    expect(manual.safety?.why).toMatch(/no sqlRunner is configured for checkout\/production/);
  });

  it('runs the preconditions but still needs the override when a finding has no SQL fix (a DO block)', () => {
    const withDoBlock = report('conditional', [SET_DEFAULT]);
    withDoBlock.files[0]!.findings.push({
      rule: 'unanalyzed-do-block',
      severity: 'conditional',
      message: 'A DO block runs SQL the analysis cannot read.',
      remediation: 'Review the block by hand.',
    });
    const applied = applySafety(incident, withDoBlock, runner);
    expect(applied.plan.steps.map((s) => s.id)).toEqual(['p1', 's1']);
    expect(applied.policy.requiredApprovals).toBe(2);
    expect(applied.safety?.why).toMatch(/1 finding\(s\) need a human review \(unanalyzed-do-block\)/);
  });

  it('leaves an unanalysed release at the catalog policy, recorded as unknown', () => {
    const unknown = applySafety(incident, unanalyzedReport('no repo'), runner);
    expect(unknown.policy.requiredApprovals).toBe(1);
    expect(unknown.safety).toEqual({ verdict: 'unknown', override: false, configuredApprovals: 1 });
  });
});

describe('isIdempotentPrecondition', () => {
  it.each([
    [SET_DEFAULT, true],
    ['ALTER TABLE "Orders" ALTER COLUMN a DROP NOT NULL, ALTER COLUMN b DROP NOT NULL', true],
    ['ALTER TABLE orders ALTER COLUMN a DROP DEFAULT', false],
    ['ALTER TABLE orders ALTER COLUMN a DROP NOT NULL, DROP COLUMN b', false],
    [`${SET_DEFAULT}; DROP TABLE orders`, false],
    ['UPDATE orders SET a = 1', false],
    ['not sql at all', false],
  ])('%s → %s', (sql, expected) => {
    expect(isIdempotentPrecondition(sql)).toBe(expected);
  });
});

describe('approvals while the analysis runs', () => {
  it('are refused with the reason, and counted once the verdict is in', () => {
    const pending = pendingSafety(incident);
    expect(decideApproval(pending, 'U0LEAD', new Set(), now)).toEqual({
      kind: 'refused',
      why: 'The rollback-safety analysis of RB-7 is still running; approve once the card shows its verdict.',
    });
    const done = applySafety(pending, report('safe'), runner);
    expect(decideApproval(done, 'U0LEAD', new Set(), now)).toMatchObject({ kind: 'counted', complete: true });
  });
});

describe('catalog sqlRunner', () => {
  const catalog = (runnerYaml: string) => `version: 1
defaults:
  channel: C0INCIDENTS
  rollback: [{ name: Undo, run: [kubectl, rollout, undo] }]
services:
  checkout:
    environments:
      production:
        sqlRunner: ${runnerYaml}
`;

  it('is an argv prefix per environment', () => {
    const parsed = parseCatalog(
      catalog('[psql, --no-psqlrc, -v, ON_ERROR_STOP=1, -d, checkout, -c]'),
      'c.yaml',
    );
    expect(parsed.services.checkout?.environments.production?.sqlRunner).toEqual([
      'psql',
      '--no-psqlrc',
      '-v',
      'ON_ERROR_STOP=1',
      '-d',
      'checkout',
      '-c',
    ]);
  });

  it.each([
    ['"psql -c"', /services\.checkout\.environments\.production\.sqlRunner: expected a list of strings/],
    ['["{service}", -c]', /sqlRunner: argv\[0\] must not contain placeholders/],
  ])('refuses %s naming the key', (runnerYaml, problem) => {
    try {
      parseCatalog(catalog(runnerYaml), 'c.yaml');
      throw new Error('expected the catalog to be refused');
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogError);
      expect((error as CatalogError).errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(
        problem,
      );
    }
  });

  it('is documented in the shipped example catalog, which loads', async () => {
    const example = await loadCatalog('manifests/catalog.example.yaml');
    expect(example.services.checkout?.environments.production?.sqlRunner?.[0]).toBe('psql');
    expect(await readFile('manifests/catalog.example.yaml', 'utf8')).toMatch(/^#\s+sqlRunner/m);
  });
});
