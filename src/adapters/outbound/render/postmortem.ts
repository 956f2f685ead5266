/**
 * Renders the postmortem model: the full agenda as Markdown from templates/postmortem.md.hbs
 * (uploaded as a file), and a short mrkdwn version for the incident's thread.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import type { PostmortemModel } from '../../../domain/postmortem.js';
import { escapeMrkdwn, SECTION_TEXT_LIMIT, truncate } from '../slack/blocks/mrkdwn.js';

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
function oneLine(value: unknown): string {
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

let compiled: Handlebars.TemplateDelegate<PostmortemModel> | undefined;

function template(): Handlebars.TemplateDelegate<PostmortemModel> {
  if (compiled) return compiled;
  // An isolated instance: these helpers never leak into other templates' global registry.
  const handlebars = Handlebars.create();
  handlebars.registerHelper('cell', markdownCell);
  handlebars.registerHelper('line', oneLine);
  handlebars.registerHelper('code', markdownCode);
  handlebars.registerHelper('fence', markdownFence);
  handlebars.registerHelper('inc', (index: number) => index + 1);
  const source = readFileSync(join(repoRoot(), 'templates', 'postmortem.md.hbs'), 'utf8');
  // Markdown, not HTML: HTML-escaping would print `&#x27;` into the document.
  compiled = handlebars.compile<PostmortemModel>(source, { noEscape: true });
  return compiled;
}

/** The full agenda as Markdown (GitHub-flavoured tables), ending with one newline. */
export function renderPostmortemMarkdown(model: PostmortemModel): string {
  return `${template()(model).trimEnd()}\n`;
}

/** How many prompts the thread shows before pointing at the file. */
const SLACK_PROMPTS = 3;

/**
 * The thread's short version in mrkdwn, at most one section's worth (3,000 characters): summary,
 * timing, steps, the first prompts and a pointer to the uploaded file for the rest.
 */
export function postmortemSlackText(model: PostmortemModel): string {
  const e = escapeMrkdwn;
  const lines = [
    `*Postmortem agenda · ${e(model.incidentId)}* · ${e(model.service)}/${e(model.environment)} · ${e(model.outcomeLabel)}`,
    truncate(e(oneLine(model.summary)), 1200),
    `• *Impact:* ${e(model.impact.start)} → ${e(model.impact.end)} (${e(model.impact.duration)})`,
    `• *Time to recovery:* ${e(model.timeToRecovery.fromRequest)} from request, ${e(model.timeToRecovery.fromApproval)} from approval`,
    `• *Decision:* ${e(model.decisionTime)}`,
    `• *What was rolled back:* ${truncate(e(model.report.rolledBack), 300)}`,
    `• *Why:* ${truncate(e(model.report.why), 400)}`,
  ];
  if (model.report.fixes.length > 0)
    lines.push(`• *Recommended fixes:* ${truncate(e(model.report.fixes.join('; ')), 400)}`);
  if (model.steps.length > 0) {
    lines.push(
      `• *Steps:* ${truncate(model.steps.map((s) => `${e(s.name)}: ${e(s.outcome)}`).join('; '), 500)}`,
    );
  }
  if (model.failures.length > 0) lines.push(`• *Failed:* ${truncate(e(model.failures.join('; ')), 400)}`);
  lines.push('*To discuss:*');
  for (const prompt of model.prompts.slice(0, SLACK_PROMPTS))
    lines.push(`• ${truncate(e(oneLine(prompt)), 300)}`);
  lines.push(
    `_${model.actionItems.length} action items need an owner and a due date. Meeting: ${model.totalMinutes} minutes, before ${e(model.meetingDeadline)}. The full agenda is in the attached file._`,
  );
  return truncate(lines.join('\n'), SECTION_TEXT_LIMIT);
}
