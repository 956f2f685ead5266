/**
 * Reading package versions out of manifests and lock files of the common ecosystems: JSON, TOML
 * (smol-toml) and XML (fast-xml-parser) by real parsers; the line formats (requirements.txt,
 * go.mod, Gemfile.lock) line by line. A file that does not parse reads as empty: a missed note,
 * never a wrong "safe".
 */
import { XMLParser } from 'fast-xml-parser';
import { parse as parseToml } from 'smol-toml';
import type { DependencyChange } from './types.js';

export type Ecosystem = DependencyChange['ecosystem'];

/** Package name → version (or range) as the file states it. */
export type VersionMap = Map<string, string>;

export interface ManifestReader {
  ecosystem: Ecosystem;
  matches(path: string): boolean;
  read(content: string): VersionMap;
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function parseJson(content: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(content);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function stringEntries(value: unknown): [string, string][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string');
}

const packageJson: ManifestReader = {
  ecosystem: 'npm',
  matches: (path) => fileName(path) === 'package.json',
  read(content) {
    const json = parseJson(content);
    const versions: VersionMap = new Map();
    for (const field of ['peerDependencies', 'optionalDependencies', 'devDependencies', 'dependencies'])
      for (const [name, range] of stringEntries(json[field])) versions.set(name, range);
    return versions;
  },
};

const packageLock: ManifestReader = {
  ecosystem: 'npm',
  matches: (path) => ['package-lock.json', 'npm-shrinkwrap.json'].includes(fileName(path)),
  read(content) {
    const json = parseJson(content);
    const versions: VersionMap = new Map();
    const packages = json.packages;
    if (typeof packages === 'object' && packages !== null) {
      for (const [key, entry] of Object.entries(packages)) {
        const version = (entry as { version?: unknown }).version;
        // Top-level installs only: nested copies are other packages' business.
        const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
        if (match?.[1] && typeof version === 'string') versions.set(match[1], version);
      }
    } else if (typeof json.dependencies === 'object' && json.dependencies !== null) {
      for (const [name, entry] of Object.entries(json.dependencies)) {
        const version = (entry as { version?: unknown }).version;
        if (typeof version === 'string') versions.set(name, version);
      }
    }
    return versions;
  },
};

/** Go puts the major in the module path from v2 on; the base path keeps one identity across majors. */
export function goModuleBase(path: string): string {
  return path.replace(/\/v\d+$/, '');
}

const goMod: ManifestReader = {
  ecosystem: 'go',
  matches: (path) => fileName(path) === 'go.mod',
  read(content) {
    const versions: VersionMap = new Map();
    let inBlock = false;
    for (const raw of content.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (/^require\s*\($/.test(line)) inBlock = true;
      else if (inBlock && line === ')') inBlock = false;
      else {
        const match = (inBlock ? /^(\S+)\s+(v\S+)$/ : /^require\s+(\S+)\s+(v\S+)$/).exec(line);
        if (match?.[1] && match[2]) versions.set(goModuleBase(match[1]), match[2]);
      }
    }
    return versions;
  },
};

/** PEP 503 normalised name, so `Django` and `django` are one package. */
function pypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

const PEP508 =
  /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:\(?\s*(?:==|>=|~=|<=|!=|>|<|===)\s*([0-9][^,;\s)]*))?/;

const requirementsTxt: ManifestReader = {
  ecosystem: 'pypi',
  matches: (path) => /requirements[^/]*\.txt$/.test(fileName(path)),
  read(content) {
    const versions: VersionMap = new Map();
    for (const raw of content.split('\n')) {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line || line.startsWith('-')) continue;
      const match = PEP508.exec(line);
      if (match?.[1]) versions.set(pypiName(match[1]), match[2] ?? '');
    }
    return versions;
  },
};

/** A TOML document as an object; an unreadable one reads as empty (nothing to compare). */
function parseTomlDocument(content: string): Record<string, unknown> {
  try {
    return parseToml(content) as Record<string, unknown>;
  } catch {
    return {};
  }
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

const pyprojectToml: ManifestReader = {
  ecosystem: 'pypi',
  matches: (path) => fileName(path) === 'pyproject.toml',
  read(content) {
    const versions: VersionMap = new Map();
    const document = parseTomlDocument(content);
    // PEP 621: [project] dependencies = ["requests>=2.31", …] and optional-dependencies groups.
    const project = asRecord(document.project);
    const optional = Object.values(asRecord(project['optional-dependencies']));
    for (const requirement of [project.dependencies, ...optional].flatMap((list) =>
      Array.isArray(list) ? list : [],
    )) {
      const match = typeof requirement === 'string' ? PEP508.exec(requirement) : null;
      if (match?.[1]) versions.set(pypiName(match[1]), match[2] ?? '');
    }
    // Poetry: name = "^1.2" or name = { version = "^1.2", … }, in the main, dev and group tables.
    const poetry = asRecord(asRecord(document.tool).poetry);
    const tables = [
      poetry.dependencies,
      poetry['dev-dependencies'],
      ...Object.values(asRecord(poetry.group)).map((group) => asRecord(group).dependencies),
    ];
    for (const table of tables)
      for (const [name, spec] of Object.entries(asRecord(table))) {
        if (name === 'python') continue;
        const version = typeof spec === 'string' ? spec : asRecord(spec).version;
        versions.set(pypiName(name), typeof version === 'string' ? version : '');
      }
    return versions;
  },
};

const gemfileLock: ManifestReader = {
  ecosystem: 'rubygems',
  matches: (path) => fileName(path) === 'Gemfile.lock',
  read(content) {
    const versions: VersionMap = new Map();
    // Exactly four spaces: resolved gems; six are their own dependencies' constraints.
    for (const match of content.matchAll(/^ {4}([A-Za-z0-9._-]+) \(([^)]+)\)$/gm))
      if (match[1] && match[2]) versions.set(match[1], match[2].replace(/-.*$/, ''));
    return versions;
  },
};

const XML = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true });

const pomXml: ManifestReader = {
  ecosystem: 'maven',
  matches: (path) => fileName(path) === 'pom.xml',
  read(content) {
    const versions: VersionMap = new Map();
    let project: Record<string, unknown>;
    try {
      project = asRecord(asRecord(XML.parse(content)).project);
    } catch {
      return versions;
    }
    const properties = new Map(
      Object.entries(asRecord(project.properties)).map(([key, value]) => [key, String(value)]),
    );
    const listOf = (value: unknown): unknown[] =>
      Array.isArray(value) ? value : value === undefined ? [] : [value];
    // <dependencies> and <dependencyManagement><dependencies>: both pin what runs.
    const dependencies = [
      ...listOf(asRecord(project.dependencies).dependency),
      ...listOf(asRecord(asRecord(project.dependencyManagement).dependencies).dependency),
    ];
    for (const entry of dependencies.map(asRecord)) {
      const [group, artifact, version] = [entry.groupId, entry.artifactId, entry.version].map((v) =>
        v === undefined ? undefined : String(v).trim(),
      );
      if (!group || !artifact || !version) continue;
      const resolved = version.replace(
        /\$\{([^}]+)\}/g,
        (whole, key: string) => properties.get(key) ?? whole,
      );
      versions.set(`${group}:${artifact}`, resolved);
    }
    return versions;
  },
};

/** Every supported manifest format, registered in one place. */
export const MANIFEST_READERS = [
  packageJson,
  packageLock,
  goMod,
  requirementsTxt,
  pyprojectToml,
  gemfileLock,
  pomXml,
] as const satisfies readonly ManifestReader[];

export function readerFor(path: string): ManifestReader | undefined {
  return MANIFEST_READERS.find((reader) => reader.matches(path));
}
