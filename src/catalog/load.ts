/**
 * Reads the service catalog: YAML → schema (zod) → resolved environments. Every problem is reported
 * together, each with its YAML path and, where the source shows it, a line number.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineCounter, isNode, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { CatalogError, catalogErrorMap, formatPath, fromZodIssues } from './errors.js';
import { preflight } from './preflight.js';
import { resolveCatalog } from './resolve.js';
import { catalogSchema } from './schema.js';
import type { Catalog, CatalogIssue, EnvironmentConfig } from './types.js';

export { CatalogError } from './errors.js';

/** Aliases expand on read; a small cap stops a "billion laughs" document. */
const MAX_ALIAS_COUNT = 100;

/** The line of the deepest node of `path` the document has (the parent when a key is missing). */
function lineOf(
  doc: Document,
  counter: LineCounter,
  path: PropertyKey[],
): { line: number; column: number } | undefined {
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as unknown[], true);
    if (isNode(node) && node.range) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return undefined;
}

/**
 * Parses and validates catalog text. `source` is the file path (relative `repo` paths resolve
 * against its directory) or a label. Throws CatalogError listing every problem.
 */
export function parseCatalog(text: string, source: string): Catalog {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new CatalogError(
      source,
      doc.errors.map((err) => {
        const pos = err.linePos?.[0];
        // prettyErrors appends " at line L, column C:" and a source excerpt; keep only the reason.
        const reason = (err.message.split('\n')[0] ?? err.code).replace(/ at line \d+, column \d+:?$/, '');
        return {
          path: '',
          message: `YAML syntax error at ${pos ? `${pos.line}:${pos.col}` : 'unknown position'}: ${reason}`,
          ...(pos ? { line: pos.line, column: pos.col } : {}),
        };
      }),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new CatalogError(source, [
      { path: '', message: `YAML could not be read: ${(err as Error).message}` },
    ]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CatalogError(source, [
      { path: '', message: 'expected a mapping with version: 1 and services' },
    ]);
  }

  const locate = (path: PropertyKey[], message: string): CatalogIssue => ({
    path: formatPath(path),
    message,
    ...lineOf(doc, counter, path),
  });
  const fail = (issues: { path: PropertyKey[]; message: string }[]): never => {
    const located = issues.map((i) => locate(i.path, i.message));
    // Sorted by line so the list reads top to bottom like the file (sort is stable).
    located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
    throw new CatalogError(source, located);
  };
  const parsed = catalogSchema.safeParse(data, { error: catalogErrorMap });
  const early = [
    ...(parsed.success ? [] : fromZodIssues(parsed.error.issues)),
    ...preflight(data as Record<string, unknown>),
  ];
  if (!parsed.success || early.length > 0) return fail(early);
  const { catalog, issues } = resolveCatalog(parsed.data, source, dirname(source));
  if (issues.length > 0) fail(issues);
  return catalog;
}

/** Reads and parses the catalog file; an unreadable file is a CatalogError too. */
export async function loadCatalog(path: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const reason =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new CatalogError(path, [{ path: '', message: `cannot read ${path}: ${reason}` }], {
      unreadable: true,
    });
  }
  return parseCatalog(text, path);
}

export function findEnvironment(
  catalog: Catalog,
  service: string,
  environment: string,
): EnvironmentConfig | undefined {
  const svc = Object.hasOwn(catalog.services, service) ? catalog.services[service] : undefined;
  return svc && Object.hasOwn(svc.environments, environment) ? svc.environments[environment] : undefined;
}

/** Service names, sorted, for usage lines and "known names" answers. */
export function serviceNames(catalog: Catalog): string[] {
  return Object.keys(catalog.services).sort();
}
