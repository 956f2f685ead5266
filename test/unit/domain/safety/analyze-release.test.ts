/** The combined report: migrations, dependencies, flags and config; never "safe" without a source. */
import { analyzeRelease } from '../../../../src/domain/safety/analyze-release.js';
import { safetyBlocks } from '../../../../src/adapters/outbound/slack/blocks/safety-section.js';

describe('analyzeRelease', () => {
  it('says the analysis could not run when no source was available, never safe', async () => {
    for (const input of [undefined, { files: [] }]) {
      const report = await analyzeRelease(input);
      expect(report).toMatchObject({ analyzed: false, verdict: 'unknown' });
      expect(report.reason).toMatch(/no release source/i);
    }
    expect((await analyzeRelease(undefined, { unavailableReason: 'repo not cloned' })).reason).toBe(
      'repo not cloned',
    );
  });

  it('combines every analyzer into one report with preconditions and alternatives', async () => {
    const report = await analyzeRelease({
      files: [
        {
          path: 'db/migrations/002_meta.sql',
          status: 'added',
          after: 'ALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;',
        },
        {
          path: 'db/migrations/001_init.sql',
          status: 'modified',
          before: 'CREATE TABLE a (id int);',
          after: 'CREATE TABLE a (id bigint);',
        },
        {
          path: 'package.json',
          status: 'modified',
          before: '{"dependencies":{"payment-sdk":"^3.1.0"}}',
          after: '{"dependencies":{"payment-sdk":"^4.0.0"}}',
        },
        {
          path: 'src/refunds.ts',
          status: 'modified',
          before: "import pay from 'payment-sdk';\nexport const r = () => pay.refund();\n",
          after:
            "import pay from 'payment-sdk';\nexport const r = () => ld.variation('refunds-v2', c, false) && pay.refundV2(process.env.REFUND_QUEUE);\n",
        },
      ],
    });
    expect(report.analyzed).toBe(true);
    expect(report.verdict).toBe('conditional');
    expect(report.preconditions).toEqual([
      {
        sql: "ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'",
        why: expect.stringMatching(/order_metadata/),
      },
    ]);
    const rules = Object.fromEntries(report.files.map((f) => [f.path, f.findings.map((x) => x.rule)]));
    expect(rules).toEqual({
      'db/migrations/002_meta.sql': ['add-column-not-null-no-default'],
      'db/migrations/001_init.sql': ['modified-migration'],
      'package.json': ['major-dependency-bump'],
      'src/refunds.ts': ['flag-introduced', 'env-var-added'],
    });
    expect(report.dependencies[0]?.callSites?.map((s) => s.line)).toEqual([1, 2]);
    expect(report.flags.map((f) => f.key)).toEqual(['refunds-v2']);
    expect(report.config.map((c) => c.name)).toEqual(['REFUND_QUEUE']);
    expect(report.alternatives[0]).toBe('Turn off feature flag "refunds-v2" instead of rolling back.');
  });

  it('a release without schema, dependency, flag or config changes is safe', async () => {
    const report = await analyzeRelease({
      files: [{ path: 'src/a.ts', status: 'modified', before: 'a', after: 'b' }],
    });
    expect(report).toMatchObject({ analyzed: true, verdict: 'safe', preconditions: [] });
  });
});

describe('safetyBlocks', () => {
  const text = (blocks: ReturnType<typeof safetyBlocks>) => JSON.stringify(blocks);

  it('shows verdict, top findings with file:line and rule, the precondition SQL', async () => {
    const report = await analyzeRelease({
      files: [
        {
          path: 'db/002.sql',
          status: 'added',
          after: '\nALTER TABLE orders ADD COLUMN order_metadata jsonb NOT NULL;',
        },
      ],
    });
    const blocks = safetyBlocks(report);
    expect(text(blocks)).toContain(':warning: *Rollback safety: conditional*');
    expect(text(blocks)).toContain(
      "• orders.order_metadata ends the release NOT NULL without a default: the old version's inserts do not set it and fail. (`db/002.sql:2`)",
    );
    // The rule id is kept, out of the way, in a context line.
    expect(blocks).toContainEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Rules: add-column-not-null-no-default' }],
    });
    expect(text(blocks)).toContain("ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'");
  });

  it('unsafe: remediation, alternatives and the two-approver override note', async () => {
    const report = await analyzeRelease({
      files: [{ path: 'db/3.sql', status: 'added', after: 'DROP TABLE orders;' }],
    });
    const all = text(safetyBlocks(report));
    expect(all).toContain(':no_entry: *Rollback safety: unsafe*');
    expect(all).toContain('Fix forward');
    expect(all).toContain('two approvers');
  });

  it('unknown when not analysed', () => {
    expect(
      text(
        safetyBlocks({
          analyzed: false,
          reason: 'no repo',
          verdict: 'unknown',
          files: [],
          preconditions: [],
          alternatives: [],
          dependencies: [],
          flags: [],
          config: [],
        }),
      ),
    ).toContain('Rollback safety: unknown');
  });

  it('stays within Block Kit limits for a huge release', async () => {
    const after = Array.from(
      { length: 400 },
      (_, i) => `ALTER TABLE t${i} ADD COLUMN c${'x'.repeat(50)} jsonb NOT NULL;`,
    ).join('\n');
    const blocks = safetyBlocks(
      await analyzeRelease({ files: [{ path: 'db/big.sql', status: 'added', after }] }),
    );
    expect(blocks.length).toBeLessThanOrEqual(7);
    for (const block of blocks)
      if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(3000);
    expect(text(blocks)).toMatch(/and \d+ more/);
  });
});
