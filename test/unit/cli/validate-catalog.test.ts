import { validateCatalogCommand } from '../../../src/cli/validate-catalog.js';

/** Runs the command, collecting what it prints. */
async function run(args: string[], defaultPath = 'manifests/catalog.yaml') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await validateCatalogCommand(
    args,
    { stdout: (s) => out.push(s), stderr: (s) => err.push(s) },
    defaultPath,
  );
  return { code, out, err };
}

describe('rollback-bot validate-catalog', () => {
  it('exits 0 with a one-line summary for a valid catalog, using the default path', async () => {
    const { code, out, err } = await run([], 'manifests/catalog.example.yaml');
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([
      'manifests/catalog.example.yaml: valid, 2 service(s), 3 environment(s): checkout (staging, production), payments-api (production)',
    ]);
  });

  it('exits 1 and prints every error on its own line', async () => {
    const { code, out, err } = await run(['test/fixtures/catalogs/many-errors.yaml']);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err[0]).toBe('test/fixtures/catalogs/many-errors.yaml: 12 error(s)');
    expect(err).toHaveLength(13);
    expect(err).toContain(
      '  services.checkout.environments.production.rollback[0].run: expected a list of strings (line 14)',
    );
  });

  it('exits 1 naming the path and the reason when the catalog cannot be read', async () => {
    const missing = await run(['no/such/catalog.yaml']);
    expect(missing).toEqual({ code: 1, out: [], err: ['cannot read no/such/catalog.yaml: file not found'] });
    const fromDefault = await run([], 'no/such/default.yaml');
    expect(fromDefault).toEqual({
      code: 1,
      out: [],
      err: ['cannot read no/such/default.yaml: file not found'],
    });
  });

  it('exits 2 on a usage error', async () => {
    const usage = await run(['a.yaml', 'b.yaml']);
    expect(usage.code).toBe(2);
    expect(usage.err).toEqual(['expected at most one path', 'usage: rollback-bot validate-catalog [path]']);
    const option = await run(['--strict']);
    expect(option.code).toBe(2);
    expect(option.err[0]).toBe('unknown option --strict');
  });

  it('treats an empty ROLLBACK_CATALOG as unset, like the bot, and checks manifests/catalog.yaml', async () => {
    const before = process.env.ROLLBACK_CATALOG;
    process.env.ROLLBACK_CATALOG = '';
    try {
      const out: string[] = [];
      const err: string[] = [];
      const code = await validateCatalogCommand([], {
        stdout: (s) => out.push(s),
        stderr: (s) => err.push(s),
      });
      expect(err.join('\n')).not.toMatch(/cannot read :/);
      expect([...out, ...err].join('\n')).toMatch(/^manifests\/catalog\.yaml: /);
      expect(code).not.toBe(2);
    } finally {
      if (before === undefined) delete process.env.ROLLBACK_CATALOG;
      else process.env.ROLLBACK_CATALOG = before;
    }
  });
});
