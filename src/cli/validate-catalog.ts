/**
 * `rollback-bot validate-catalog [path]`: exit 0 when valid (one summary line), 1 when invalid
 * (every error on its own line; a catalog that cannot be read is invalid too), 2 on a usage error.
 */
import { CatalogError, loadCatalog } from '../catalog/load.js';
import { formatIssue } from '../catalog/errors.js';
import type { Catalog } from '../catalog/types.js';

/** Where the command writes; the CLI passes process streams, tests collect strings. */
export interface CommandIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

const USAGE = 'usage: rollback-bot validate-catalog [path]';

function summary(catalog: Catalog): string {
  const services = Object.values(catalog.services);
  const environments = services.reduce((n, s) => n + Object.keys(s.environments).length, 0);
  const names = services.map((s) => `${s.name} (${Object.keys(s.environments).join(', ')})`).join(', ');
  return `${catalog.source}: valid, ${services.length} service(s), ${environments} environment(s): ${names}`;
}

/**
 * `defaultPath`: like the bot, ROLLBACK_CATALOG, else `manifests/catalog.yaml`. An empty
 * ROLLBACK_CATALOG counts as unset (the bot refuses to start with it; here it names no file).
 */
export async function validateCatalogCommand(
  args: string[],
  io: CommandIo,
  defaultPath = process.env.ROLLBACK_CATALOG || 'manifests/catalog.yaml',
): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout(USAGE);
    return 0;
  }
  const unknownOption = args.find((a) => a.startsWith('-'));
  if (unknownOption !== undefined || args.length > 1) {
    io.stderr(unknownOption !== undefined ? `unknown option ${unknownOption}` : 'expected at most one path');
    io.stderr(USAGE);
    return 2;
  }
  const path = args[0] ?? defaultPath;
  try {
    io.stdout(summary(await loadCatalog(path)));
    return 0;
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    // A missing or unreadable catalog is an invalid one: one line naming the path and why.
    if (err.unreadable) {
      for (const issue of err.errors) io.stderr(issue.message);
      return 1;
    }
    io.stderr(`${path}: ${err.errors.length} error(s)`);
    for (const issue of err.errors) io.stderr(`  ${formatIssue(issue)}`);
    return 1;
  }
}
