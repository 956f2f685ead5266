/**
 * Reading package versions out of manifests and lock files of the common ecosystems. Formats
 * other than SQL are read with small line-oriented readers: these files are regular enough, and
 * a missed entry only means a missed note, never a wrong "safe".
 */
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

const pyprojectToml: ManifestReader = {
  ecosystem: 'pypi',
  matches: (path) => fileName(path) === 'pyproject.toml',
  read(content) {
    const versions: VersionMap = new Map();
    let section = '';
    let inDependencyArray = false;
    for (const raw of content.split('\n')) {
      const line = raw.replace(/#.*$/, '').trim();
      const header = /^\[([^\]]+)\]$/.exec(line);
      if (header?.[1]) {
        section = header[1];
        inDependencyArray = false;
        continue;
      }
      // PEP 621: dependencies = ["requests>=2.31", ...], possibly over several lines.
      if (section === 'project' && /^dependencies\s*=\s*\[/.test(line)) inDependencyArray = true;
      if (inDependencyArray) {
        for (const quoted of line.matchAll(/["']([^"']+)["']/g)) {
          const match = PEP508.exec(quoted[1] ?? '');
          if (match?.[1]) versions.set(pypiName(match[1]), match[2] ?? '');
        }
        if (line.includes(']')) inDependencyArray = false;
        continue;
      }
      // Poetry: name = "^1.2" or name = { version = "^1.2", ... }
      if (/^tool\.poetry\.(dev-)?dependencies$|^tool\.poetry\.group\.[^.]+\.dependencies$/.test(section)) {
        const match = /^([A-Za-z0-9._-]+)\s*=\s*(?:"([^"]*)"|\{.*?version\s*=\s*"([^"]*)")/.exec(line);
        if (match?.[1] && match[1] !== 'python') versions.set(pypiName(match[1]), match[2] ?? match[3] ?? '');
      }
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

const pomXml: ManifestReader = {
  ecosystem: 'maven',
  matches: (path) => fileName(path) === 'pom.xml',
  read(content) {
    const versions: VersionMap = new Map();
    const properties = new Map<string, string>();
    const propertiesBlock = /<properties>([\s\S]*?)<\/properties>/.exec(content)?.[1] ?? '';
    for (const match of propertiesBlock.matchAll(/<([\w.-]+)>([^<]*)<\/\1>/g))
      if (match[1]) properties.set(match[1], (match[2] ?? '').trim());
    for (const match of content.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
      const body = match[1] ?? '';
      const group = /<groupId>([^<]+)<\/groupId>/.exec(body)?.[1]?.trim();
      const artifact = /<artifactId>([^<]+)<\/artifactId>/.exec(body)?.[1]?.trim();
      const version = /<version>([^<]+)<\/version>/.exec(body)?.[1]?.trim();
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
