/**
 * `rollback-bot check-migrations [--format json] [--fail-on conditional|unsafe] <file-or-dir>…`:
 * the rollback-safety analysis of SQL migrations, for a human or for CI.
 * Exit 0 whatever the verdict unless --fail-on (1 at or above it); 2 on usage or read errors.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeMigrations } from '../domain/safety/analyze-migrations.js';
import type { MigrationSource } from '../domain/safety/analyze-migrations.js';
import { compareMigrationOrder } from '../domain/safety/migration-layouts.js';
import type { FileReport, Verdict } from '../domain/safety/types.js';
import { atOrAbove } from '../domain/safety/verdict.js';

export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export const CHECK_MIGRATIONS_USAGE =
  'usage: rollback-bot check-migrations [--format json|text] [--fail-on conditional|unsafe] <file-or-dir>…';

interface Options {
  format: 'text' | 'json';
  failOn?: Verdict;
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
    } else if (arg === '--') {
      options.paths.push(...args.slice(i + 1));
      break;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else options.paths.push(arg);
  }
  if (options.paths.length === 0) throw new UsageError('name at least one migration file or directory');
  return options;
}

/** Every `.sql` file under a directory (recursively); a named file is read whatever its name. */
async function collectFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return collectFiles(child);
      return Promise.resolve(entry.isFile() && /\.sql$/i.test(entry.name) ? [child] : []);
    }),
  );
  return nested.flat();
}

async function readSources(paths: string[]): Promise<MigrationSource[]> {
  const files = new Set<string>();
  for (const path of paths) {
    const found = await collectFiles(path).catch((error: NodeJS.ErrnoException) => {
      throw new Error(
        `cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file or directory' : error.message}`,
      );
    });
    if (found.length === 0) throw new Error(`no .sql files in ${path}`);
    found.forEach((file) => files.add(file));
  }
  const ordered = [...files].sort(compareMigrationOrder);
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
  let sources: MigrationSource[];
  try {
    sources = await readSources(options.paths);
  } catch (error) {
    io.stderr(`check-migrations: ${(error as Error).message}\n`);
    return 2;
  }
  const analysis = await analyzeMigrations(sources);
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
    io.stdout(`${JSON.stringify({ verdict, files, preconditions: analysis.preconditions }, null, 2)}\n`);
  } else io.stdout(renderText(verdict, analysis.files, analysis.preconditions));
  return options.failOn !== undefined && atOrAbove(verdict, options.failOn) ? 1 : 0;
}
