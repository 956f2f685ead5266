/** Markdown documents from templates/ (Handlebars), and the escaping their values need. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/**
 * The repository root: the nearest folder above this module holding package.json. Works from
 * src/adapters/outbound/render (tests) and dist/src/adapters/outbound/render (built) alike.
 */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}: cannot find templates/`);
    dir = parent;
  }
}

/** Collapses line breaks: a list item, heading or cell must stay on one line to stay what it is. */
export function oneLine(value: unknown): string {
  return String(value ?? '')
    .replace(/\s*\r?\n\s*/g, ' ')
    .trim();
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** A GFM table cell: pipes escaped (even inside code spans GFM needs `\|`), one line. */
export function markdownCell(value: unknown): string {
  return oneLine(value).replaceAll('|', '\\|');
}

/** An inline code span that survives backticks inside (CommonMark: a longer fence, padded). */
export function markdownCode(value: unknown): string {
  const text = oneLine(value);
  const fence = '`'.repeat(longestRun(text, '`') + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A fenced block longer than any backtick run inside, so output can never close it early. */
export function markdownFence(value: unknown): string {
  const text = String(value ?? '').replace(/\s+$/, '');
  const fence = '`'.repeat(Math.max(3, longestRun(text, '`') + 1));
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * A Markdown template of templates/, compiled on first use, with the helpers every document
 * uses (`cell`, `line`, `code`, `fence`, `inc`); the result ends with one newline.
 */
export function compileMarkdownTemplate<T>(name: string): (model: T) => string {
  let compiled: Handlebars.TemplateDelegate<T> | undefined;
  return (model) => {
    if (!compiled) {
      // An isolated instance: these helpers never leak into other templates' global registry.
      const handlebars = Handlebars.create();
      handlebars.registerHelper('cell', markdownCell);
      handlebars.registerHelper('line', oneLine);
      handlebars.registerHelper('code', markdownCode);
      handlebars.registerHelper('fence', markdownFence);
      handlebars.registerHelper('inc', (index: number) => index + 1);
      const source = readFileSync(join(repoRoot(), 'templates', name), 'utf8');
      // Markdown, not HTML: HTML-escaping would print `&#x27;` into the document.
      compiled = handlebars.compile<T>(source, { noEscape: true });
    }
    return `${compiled(model).trimEnd()}\n`;
  };
}
