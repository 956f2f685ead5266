/**
 * Dependency changes between two versions, and where the old version calls a package. A major
 * bump is the classic partly-migrated upgrade: the paths tests did not cover fail.
 */
import semver from 'semver';
import type { Ecosystem } from './dependency-manifests.js';
import { goModuleBase, readerFor } from './dependency-manifests.js';
import type { CallSite, DependencyChange } from './types.js';

/** `^3.1.0` → 3.1.0, `v1.2.3` → 1.2.3, `7.1.3.2` → 7.1.3; undefined when there is no version in it. */
export function normaliseVersion(text: string): string | undefined {
  if (!text) return undefined;
  const valid = semver.valid(semver.clean(text.replace(/^v/, '')) ?? '');
  if (valid) return valid;
  try {
    const minimum = semver.validRange(text) ? semver.minVersion(text) : null;
    if (minimum) return minimum.version;
  } catch {
    // fall through to coercion
  }
  return semver.coerce(text)?.version;
}

/** A major bump; for 0.x versions the minor is the breaking part, as semver treats it. */
export function isMajorBump(from: string | undefined, to: string | undefined): boolean {
  const before = from && normaliseVersion(from);
  const after = to && normaliseVersion(to);
  if (!before || !after || !semver.gt(after, before)) return false;
  if (semver.major(after) !== semver.major(before)) return true;
  return semver.major(before) === 0 && semver.minor(after) !== semver.minor(before);
}

/** Compares one manifest or lock file between the versions; unknown files give no changes. */
export function diffManifest(
  path: string,
  before: string | undefined,
  after: string | undefined,
): DependencyChange[] {
  const reader = readerFor(path);
  if (!reader) return [];
  const old = reader.read(before ?? '');
  const current = reader.read(after ?? '');
  const changes: DependencyChange[] = [];
  for (const name of new Set([...old.keys(), ...current.keys()])) {
    const from = old.get(name);
    const to = current.get(name);
    if (from === to) continue;
    const change: DependencyChange = {
      ecosystem: reader.ecosystem,
      name,
      major: isMajorBump(from, to),
      manifest: path,
    };
    if (from !== undefined) change.from = from;
    if (to !== undefined) change.to = to;
    changes.push(change);
  }
  return changes;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The module names source code imports a package by, per ecosystem. */
function importPatterns(ecosystem: Ecosystem, name: string): RegExp[] {
  const quotedModule = `['"\`]${escapeRegExp(name)}(?:/[^'"\`]*)?['"\`]`;
  switch (ecosystem) {
    case 'npm':
      return [
        new RegExp(`\\bfrom\\s+${quotedModule}`),
        new RegExp(`\\b(?:require|import)\\s*\\(\\s*${quotedModule}\\s*\\)`),
      ];
    case 'go':
      return [new RegExp(`"${escapeRegExp(goModuleBase(name))}(?:/v\\d+)?(?:/[^"]*)?"`)];
    case 'pypi': {
      const module = escapeRegExp(name.replace(/-/g, '_'));
      return [new RegExp(`^\\s*(?:import\\s+${module}\\b|from\\s+${module}(?:\\.\\w+)*\\s+import\\b)`, 'i')];
    }
    case 'rubygems':
      return [new RegExp(`^\\s*require\\s+['"]${escapeRegExp(name)}(?:/[^'"]*)?['"]`)];
    case 'maven': {
      const group = escapeRegExp(name.split(':')[0] ?? name);
      return [new RegExp(`^\\s*import\\s+(?:static\\s+)?${group}\\.`)];
    }
  }
}

/** Identifiers a JavaScript import binds (`import X`, `import { a as b }`, `const X = require(…)`). */
function boundIdentifiers(line: string): string[] {
  const names: string[] = [];
  const defaultOrNamespace = /import\s+(?:\*\s+as\s+)?([A-Za-z_$][\w$]*)/.exec(line)?.[1];
  if (defaultOrNamespace && defaultOrNamespace !== 'type') names.push(defaultOrNamespace);
  const braces = /\{([^}]*)\}/.exec(line)?.[1];
  if (braces)
    for (const part of braces.split(',')) {
      const local = part
        .trim()
        .split(/\s+as\s+/)
        .at(-1)
        ?.replace(/^type\s+/, '')
        .trim();
      if (local && /^[A-Za-z_$][\w$]*$/.test(local)) names.push(local);
    }
  const required = /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require/.exec(line)?.[1];
  if (required) names.push(required);
  return names;
}

/**
 * Where the old version imports `name`, and (for JavaScript) where it uses what it imported:
 * the call sites to check by hand before trusting a downgrade or an upgrade.
 */
export function findCallSites(
  ecosystem: Ecosystem,
  name: string,
  files: readonly { path: string; content: string }[],
): CallSite[] {
  const patterns = importPatterns(ecosystem, name);
  const sites: CallSite[] = [];
  for (const file of files) {
    const lines = file.content.split('\n');
    const bound: string[] = [];
    lines.forEach((line, index) => {
      if (patterns.some((pattern) => pattern.test(line))) {
        sites.push({ path: file.path, line: index + 1, text: line.trim() });
        if (ecosystem === 'npm') bound.push(...boundIdentifiers(line));
      }
    });
    if (bound.length === 0) continue;
    // A client made from the import (`const stripe = new Stripe(key)`) is the package too.
    const made = new RegExp(
      `(?:const|let|var)\\s+([A-Za-z_$][\\w$]*)\\s*=\\s*(?:await\\s+)?(?:new\\s+)?(?:${bound.map(escapeRegExp).join('|')})\\b`,
    );
    for (const line of lines) {
      const client = made.exec(line)?.[1];
      if (client && !bound.includes(client)) bound.push(client);
    }
    const use = new RegExp(`(?<![\\w$.])(?:${bound.map(escapeRegExp).join('|')})\\s*(?:\\.|\\()`);
    lines.forEach((line, index) => {
      const already = sites.some((site) => site.path === file.path && site.line === index + 1);
      if (!already && use.test(line)) sites.push({ path: file.path, line: index + 1, text: line.trim() });
    });
    sites.sort((a, b) => (a.path === b.path ? a.line - b.line : a.path.localeCompare(b.path)));
  }
  return sites;
}
