/**
 * Migration tools lay files out differently; this module finds each file's "up" part (what ran
 * against production) and its "down" part (what reversing it would run), and sorts files into
 * the order the tools apply them.
 */
import type { MigrationLayout } from './types.js';

/** The part of a file that plays one direction; other parts are blanked so lines stay true. */
export interface MigrationSection {
  direction: 'up' | 'down';
  /** Same length in lines as the file: text outside the section is replaced by empty lines. */
  sql: string;
}

export interface MigrationFileLayout {
  layout: MigrationLayout;
  sections: MigrationSection[];
  /** Files sharing a key are one migration (an up file and its down file). */
  pairKey: string;
  /** Whether this layout has a way to express a down migration (plain `.sql` does not). */
  supportsDown: boolean;
}

const DBMATE_MARKER = /^\s*--\s*migrate:(up|down)\b.*$/i;
const GOOSE_MARKER = /^\s*--\s*\+goose\s+(up|down)\b.*$/i;
const FLYWAY_NAME = /^([VUR])(\d[\w.]*?)?__.+\.sql$/i;

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Splits a file on marker lines; lines outside a section become empty in that section. */
function splitByMarkers(content: string, marker: RegExp): MigrationSection[] {
  const lines = content.split('\n');
  const byDirection = new Map<'up' | 'down', string[]>();
  let current: 'up' | 'down' | undefined;
  lines.forEach((line, index) => {
    const match = marker.exec(line);
    if (match) current = (match[1] ?? '').toLowerCase() === 'up' ? 'up' : 'down';
    else if (current) {
      let target = byDirection.get(current);
      if (!target) {
        target = new Array<string>(lines.length).fill('');
        byDirection.set(current, target);
      }
      target[index] = line;
    }
  });
  return [...byDirection].map(([direction, sectionLines]) => ({ direction, sql: sectionLines.join('\n') }));
}

/** Recognises the layout of one migration file from its name and content. */
export function detectLayout(path: string, content: string): MigrationFileLayout {
  const name = basename(path);
  const dir = dirname(path);
  if (/\.(up|down)\.sql$/i.test(name)) {
    const direction = /\.up\.sql$/i.test(name) ? 'up' : 'down';
    return {
      layout: 'up-down-pair',
      sections: [{ direction, sql: content }],
      pairKey: `${dir}/${name.replace(/\.(up|down)\.sql$/i, '')}`,
      supportsDown: true,
    };
  }
  const flyway = FLYWAY_NAME.exec(name);
  if (flyway) {
    const kind = (flyway[1] ?? '').toUpperCase();
    return {
      layout: 'flyway',
      sections: [{ direction: kind === 'U' ? 'down' : 'up', sql: content }],
      pairKey: kind === 'R' ? `${dir}/${name}` : `${dir}/flyway:${flyway[2] ?? ''}`,
      // Repeatable migrations have no undo by design.
      supportsDown: kind !== 'R',
    };
  }
  const lines = content.split('\n');
  if (lines.some((line) => DBMATE_MARKER.test(line))) {
    return {
      layout: 'dbmate',
      sections: splitByMarkers(content, DBMATE_MARKER),
      pairKey: path,
      supportsDown: true,
    };
  }
  if (lines.some((line) => GOOSE_MARKER.test(line))) {
    return {
      layout: 'goose',
      sections: splitByMarkers(content, GOOSE_MARKER),
      pairKey: path,
      supportsDown: true,
    };
  }
  return {
    layout: 'plain',
    sections: [{ direction: 'up', sql: content }],
    pairKey: path,
    supportsDown: false,
  };
}

/**
 * The order tools apply migrations in: by file name with numbers compared as numbers
 * (`2_x` before `10_x`, timestamps, Flyway `V1_2` before `V1_10`), Flyway repeatables last,
 * ties broken by path. Directories do not reorder files across them.
 */
export function compareMigrationOrder(a: string, b: string): number {
  const nameA = basename(a);
  const nameB = basename(b);
  const repeatableA = /^R__/i.test(nameA) ? 1 : 0;
  const repeatableB = /^R__/i.test(nameB) ? 1 : 0;
  if (repeatableA !== repeatableB) return repeatableA - repeatableB;
  const byName = sortKey(nameA).localeCompare(sortKey(nameB), 'en', { numeric: true });
  return byName !== 0 ? byName : a.localeCompare(b, 'en', { numeric: true });
}

/** Drops the Flyway prefix letter and the direction suffix so an up sorts next to its down. */
function sortKey(name: string): string {
  return name.replace(/^[VU](?=\d)/i, '').replace(/\.(up|down)\.sql$/i, '.sql');
}
