/** `check-migrations`: text and JSON output, exit codes, directories, unreadable input. */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheckMigrations as run } from '../../support/check-migrations.js';

const FIXTURES = 'test/fixtures/migrations';

describe('check-migrations', () => {
  it('JSON exactly as the contract says, files in migration order, every file analysed', async () => {
    const { code, stdout, stderr } = await run('--format', 'json', `${FIXTURES}/mixed`);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const json = JSON.parse(stdout);
    expect(json.verdict).toBe('unsafe');
    expect(json.files.map((f: { path: string; verdict: string }) => [f.path, f.verdict])).toEqual([
      [`${FIXTURES}/mixed/2_add_nullable.sql`, 'safe'],
      [`${FIXTURES}/mixed/sub/5_broken.sql`, 'unsafe'],
      [`${FIXTURES}/mixed/10_meta.sql`, 'conditional'],
    ]);
    expect(json.files[1].findings).toEqual([
      expect.objectContaining({
        rule: 'parse-error',
        severity: 'unsafe',
        line: 2,
        message: expect.any(String),
        remediation: expect.any(String),
      }),
    ]);
    expect(json.files[2].findings[0]).toMatchObject({
      rule: 'add-column-not-null-no-default',
      line: 1,
      remediation: expect.stringContaining("ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}'"),
    });
  });

  it('readable text by default, with the precondition SQL', async () => {
    const { code, stdout } = await run(`${FIXTURES}/not-null-later-file`);
    expect(code).toBe(0);
    expect(stdout).toContain(
      `${FIXTURES}/not-null-later-file/20240501090100_require_order_metadata.sql:3  add-column-not-null-no-default [conditional]`,
    );
    expect(stdout).toContain('Verdict: conditional (2 files: 1 safe, 1 conditional, 0 unsafe)');
    expect(stdout).toContain("ALTER TABLE orders ALTER COLUMN order_metadata SET DEFAULT '{}';");
  });

  it.each([
    [['--fail-on', 'conditional'], `${FIXTURES}/unique-index`, 1],
    [['--fail-on', 'unsafe'], `${FIXTURES}/unique-index`, 0],
    [['--fail-on=unsafe'], `${FIXTURES}/drop-column`, 1],
    [['--fail-on', 'conditional'], `${FIXTURES}/harmless`, 0],
    [[], `${FIXTURES}/drop-column`, 0],
  ])('%j on %s exits %i', async (flags, path, expected) => {
    expect((await run(...flags, path)).code).toBe(expected);
  });

  it.each([
    [[], /name at least one migration file or directory/],
    [['--format', 'xml', 'x.sql'], /--format must be json or text, not "xml"/],
    [['--fail-on', 'maybe', 'x.sql'], /--fail-on must be conditional or unsafe, not "maybe"/],
    [['--fail-on'], /--fail-on needs a value/],
    [['--verbose', 'x.sql'], /unknown option --verbose/],
  ])('usage error %j exits 2 with the usage line', async (args, message) => {
    const { code, stdout, stderr } = await run(...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr).toContain('usage: rollback-bot check-migrations');
  });

  it('exits 2 naming a path it cannot read or a directory without migrations', async () => {
    const missing = await run(`${FIXTURES}/nope`);
    expect(missing).toMatchObject({ code: 2, stdout: '' });
    expect(missing.stderr).toContain(`cannot read ${FIXTURES}/nope: no such file or directory`);
    const empty = await mkdtemp(join(tmpdir(), 'rb-cm-'));
    try {
      await writeFile(join(empty, 'notes.txt'), 'hello');
      const result = await run(empty);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`no .sql files in ${empty}`);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('reads a named file whatever its extension', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rb-cm-'));
    try {
      const file = join(dir, 'migration.pgsql');
      await writeFile(file, 'DROP TABLE orders;');
      const { code, stdout } = await run('--format', 'json', '--fail-on', 'unsafe', file);
      expect(code).toBe(1);
      expect(JSON.parse(stdout).files[0].findings[0].rule).toBe('drop-table');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  describe('symbolic links', () => {
    let root: string;
    beforeEach(async () => {
      root = await mkdtemp(join(tmpdir(), 'rb-cm-links-'));
      await mkdir(join(root, 'shared', 'more'), { recursive: true });
      await mkdir(join(root, 'migrations'));
      await writeFile(join(root, 'migrations', '001_add.sql'), 'ALTER TABLE orders ADD COLUMN note text;');
    });
    afterEach(async () => {
      await rm(root, { recursive: true, force: true });
    });

    it('follows a linked .sql file: a linked migration that drops a column is not called safe', async () => {
      await writeFile(join(root, 'shared', 'drop.sql'), 'ALTER TABLE orders DROP COLUMN total;');
      await symlink(join(root, 'shared', 'drop.sql'), join(root, 'migrations', '002_drop.sql'));
      const { code, stdout } = await run('--format', 'json', '--fail-on', 'unsafe', join(root, 'migrations'));
      const json = JSON.parse(stdout);
      expect(json.verdict).toBe('unsafe');
      expect(code).toBe(1);
      expect(json.files.map((f: { path: string }) => f.path)).toEqual([
        join(root, 'migrations', '001_add.sql'),
        join(root, 'migrations', '002_drop.sql'),
      ]);
      expect(json.files[1].findings[0].rule).toBe('drop-column');
    });

    it('follows a linked folder, and walks a link loop once', async () => {
      await writeFile(join(root, 'shared', 'more', '003_drop.sql'), 'DROP TABLE orders;');
      await symlink(join(root, 'shared', 'more'), join(root, 'migrations', 'more'));
      // A loop: migrations/again → migrations.
      await symlink(join(root, 'migrations'), join(root, 'migrations', 'again'));
      const { code, stdout, stderr } = await run('--format', 'json', join(root, 'migrations'));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const json = JSON.parse(stdout);
      expect(json.verdict).toBe('unsafe');
      expect(json.files.map((f: { path: string }) => f.path)).toEqual([
        join(root, 'migrations', '001_add.sql'),
        join(root, 'migrations', 'more', '003_drop.sql'),
      ]);
    });

    it('exits 2 naming a broken link instead of leaving it out of a safe verdict', async () => {
      await symlink(join(root, 'shared', 'gone'), join(root, 'migrations', 'old'));
      const { code, stdout, stderr } = await run(join(root, 'migrations'));
      expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
      expect(stderr).toContain(`cannot read ${join(root, 'migrations', 'old')}: broken symbolic link`);
    });
  });
});
