/**
 * `rollback-bot check-migrations [--format json] [--fail-on conditional|unsafe] [--base <git-ref>]
 * <file-or-dir>…`: the rollback-safety analysis of SQL migrations, for a human or for CI. With
 * `--base`, the files added or changed since the ref are the release; the others are history,
 * replayed first for the schema the release starts from.
 * Exit 0 whatever the verdict unless --fail-on (1 at or above it); 2 on usage or read errors.
 */
import type { Stats } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeMigrations } from '../domain/safety/analyze-migrations.js';
import type { MigrationSource } from '../domain/safety/analyze-migrations.js';
import { ensureParserLoaded } from '../domain/safety/sql-parser.js';
import { compareMigrationOrder } from '../domain/safety/migration-layouts.js';
import type { FileReport, Verdict } from '../domain/safety/types.js';
import { atOrAbove } from '../domain/safety/verdict.js';
import { plural } from '../domain/event-text.js';
import { splitByBase } from './release-split.js';

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const CHECK_MIGRATIONS_USAGE =
  'usage: rollback-bot check-migrations [--format json|text] [--fail-on conditional|unsafe] [--base <git-ref>] <file-or-dir>…';

interface Options {
  format: 'text' | 'json';
  failOn?: Verdict;
  base?: string;
  paths: string[];
}

class UsageError extends Error {}

function parseArgs(args: string[]): Options {
  const options: Options = { format: 'text', paths: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const next = inline ?? args[++i];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--format') {
      const format = value();
      if (format !== 'json' && format !== 'text')
        throw new UsageError(`--format must be json or text, not "${format}"`);
      options.format = format;
    } else if (flag === '--fail-on') {
      const level = value();
      if (level !== 'conditional' && level !== 'unsafe')
        throw new UsageError(`--fail-on must be conditional or unsafe, not "${level}"`);
      options.failOn = level;
    } else if (flag === '--base') {
      options.base = value();
    } else if (arg === '--') {
      options.paths.push(...args.slice(i + 1));
      break;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else options.paths.push(arg);
  }
  if (options.paths.length === 0) throw new UsageError('name at least one migration file or directory');
  return options;
}

/** A path that cannot be read or walked: check-migrations exits 2 naming it. */
class ReadError extends Error {}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
}

/** `stat` (following symbolic links), failing with a line that names `path`. */
async function statOf(path: string, isLink = false): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReadError(
      `cannot read ${path}: ${isLink && code === 'ENOENT' ? 'broken symbolic link' : reason(error)}`,
    );
  }
}

/**
 * Every `.sql` file under a directory (recursively, in name order); a named file is read whatever
 * its name. Symbolic links are followed, to files and to folders alike: a migration that is a link
 * is still a migration. A folder reached twice (a link loop, or two links to one folder) is walked
 * once. Nothing is skipped silently: an entry that cannot be inspected (a broken link, a `.sql`
 * that is not a regular file) is a read error, never a file left out of a `safe` verdict.
 */
async function collectFiles(path: string, walked: Set<string>, isLink = false): Promise<string[]> {
  const info = await statOf(path, isLink);
  if (!info.isDirectory()) return [path];
  const real = await realpath(path).catch((error: unknown) => {
    throw new ReadError(`cannot read ${path}: ${reason(error)}`);
  });
  if (walked.has(real)) return [];
  walked.add(real);
  const entries = await readdir(path, { withFileTypes: true }).catch((error: unknown) => {
    throw new ReadError(`cannot read ${path}: ${reason(error)}`);
  });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const found: string[] = [];
  for (const entry of entries) {
    const child = join(path, entry.name);
    const isSql = /\.sql$/i.test(entry.name);
    if (entry.isDirectory()) found.push(...(await collectFiles(child, walked)));
    else if (entry.isSymbolicLink()) {
      const target = await statOf(child, true);
      if (target.isDirectory()) found.push(...(await collectFiles(child, walked, true)));
      else if (isSql && target.isFile()) found.push(child);
      else if (isSql) throw new ReadError(`cannot read ${child}: not a regular file`);
    } else if (isSql && entry.isFile()) found.push(child);
    else if (isSql) throw new ReadError(`cannot read ${child}: not a regular file`);
  }
  return found;
}

async function readSources(paths: string[]): Promise<MigrationSource[]> {
  // One file reached by two paths (a link and its target) is analysed once, under the first path.
  const files = new Map<string, string>();
  for (const path of paths) {
    const found = await collectFiles(path, new Set()).catch((error: unknown) => {
      if (error instanceof ReadError) throw error;
      throw new ReadError(`cannot read ${path}: ${reason(error)}`);
    });
    if (found.length === 0) throw new Error(`no .sql files in ${path}`);
    const reals = await Promise.all(found.map((file) => realpath(file).catch(() => file)));
    reals.forEach((real, index) => {
      if (!files.has(real)) files.set(real, found[index]!);
    });
  }
  const ordered = [...files.values()].sort(compareMigrationOrder);
  return Promise.all(
    ordered.map(async (path) => {
      const content = await readFile(path, 'utf8').catch((error: Error) => {
        throw new Error(`cannot read ${path}: ${error.message}`);
      });
      return { path, content };
    }),
  );
}

function renderText(
  verdict: Verdict,
  files: FileReport[],
  preconditions: { sql: string; why: string }[],
): string {
  const lines: string[] = [];
  for (const file of files) {
    lines.push(`${file.verdict.padEnd(11)} ${file.path}`);
    for (const finding of file.findings) {
      const where = finding.line !== undefined ? `${file.path}:${finding.line}` : file.path;
      lines.push(
        `  ${where}  ${finding.rule} [${finding.severity}]`,
        `    ${finding.message}`,
        `    → ${finding.remediation}`,
      );
    }
  }
  const counts = (['safe', 'conditional', 'unsafe'] as const)
    .map((v) => `${files.filter((file) => file.verdict === v).length} ${v}`)
    .join(', ');
  lines.push('', `Verdict: ${verdict} (${files.length} files: ${counts})`);
  if (preconditions.length > 0) {
    lines.push('Run before rolling back:');
    for (const step of preconditions) lines.push(`  ${step.sql};`);
  }
  if (verdict === 'unsafe')
    lines.push(
      'Rolling the code back breaks the old version or loses data: fix forward or turn the flag off.',
    );
  return `${lines.join('\n')}\n`;
}

export async function checkMigrationsCommand(args: string[], io: CommandIo): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(args);
  } catch (error) {
    io.stderr(`check-migrations: ${(error as Error).message}\n${CHECK_MIGRATIONS_USAGE}\n`);
    return 2;
  }
  // The parser's WebAssembly compiles in the background while the files are found and read.
  const parserReady = ensureParserLoaded();
  parserReady.catch(() => {}); // awaited below; a read error may return first
  let sources: MigrationSource[];
  let history: MigrationSource[] = [];
  try {
    sources = await readSources(options.paths);
    if (options.base !== undefined)
      ({ release: sources, history } = await splitByBase(sources, options.base));
  } catch (error) {
    io.stderr(`check-migrations: ${(error as Error).message}\n`);
    return 2;
  }
  await parserReady;
  const analysis = await analyzeMigrations(sources, { history });
  const verdict = analysis.files.reduce<Verdict>(
    (worst, file) => (atOrAbove(file.verdict, worst) ? file.verdict : worst),
    'safe',
  );
  if (options.format === 'json') {
    const files = analysis.files.map((file) => ({
      path: file.path,
      verdict: file.verdict,
      findings: file.findings.map(({ rule, severity, message, remediation, line, sql }) => ({
        rule,
        severity,
        message,
        remediation,
        ...(line !== undefined ? { line } : {}),
        ...(sql !== undefined ? { sql } : {}),
      })),
    }));
    const base = options.base !== undefined ? { base: options.base, historyFiles: history.length } : {};
    io.stdout(
      `${JSON.stringify({ verdict, files, preconditions: analysis.preconditions, ...base }, null, 2)}\n`,
    );
  } else {
    io.stdout(renderText(verdict, analysis.files, analysis.preconditions));
    if (options.base !== undefined)
      io.stdout(
        `Release: ${plural(sources.length, 'file', 'files')} changed since ${options.base}; ${plural(history.length, 'earlier file', 'earlier files')} replayed as history.\n`,
      );
  }
  return options.failOn !== undefined && atOrAbove(verdict, options.failOn) ? 1 : 0;
}
