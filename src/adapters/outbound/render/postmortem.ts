export { markdownCell, markdownCode, markdownFence } from './markdown.js';

/**
 * Renders the postmortem model: the full agenda as Markdown from templates/postmortem.md.hbs
 * (uploaded as a file), and a short mrkdwn version for the incident's thread.
 */
import { compileMarkdownTemplate, oneLine } from './markdown.js';
import type { PostmortemModel } from '../../../domain/postmortem.js';
import { escapeMrkdwn, SECTION_TEXT_LIMIT, truncate } from '../slack/blocks/mrkdwn.js';

/** The full agenda as Markdown (GitHub-flavoured tables), ending with one newline. */
const template = compileMarkdownTemplate<PostmortemModel>('postmortem.md.hbs');

export function renderPostmortemMarkdown(model: PostmortemModel): string {
  return template(model);
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
