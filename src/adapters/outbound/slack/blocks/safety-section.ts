/**
 * The Safety section of the assessment card: verdict, top findings (file:line, rule, why),
 * what to run first and what to do instead. Pure: report in, Block Kit out, within Slack's limits
 * (section text ≤ 3000 characters, a handful of blocks).
 */
import type { KnownBlock } from '@slack/types';
import type { Incident } from '../../../../domain/incident.js';
import type { Finding, ReportVerdict, SafetyReport } from '../../../../domain/safety/types.js';
import { context, escapeMrkdwn } from './mrkdwn.js';

const SECTION_TEXT_LIMIT = 3000;
const TOP_FINDINGS = 5;

const HEADLINE: Record<ReportVerdict, string> = {
  safe: ':white_check_mark: *Rollback safety: safe* — nothing in this release stops the previous version from running.',
  conditional: ':warning: *Rollback safety: conditional* — safe only after the precondition steps below run.',
  unsafe:
    ':no_entry: *Rollback safety: unsafe* — rolling the code back breaks the old version or loses data.',
  unknown: ':grey_question: *Rollback safety: unknown* — the release could not be analysed.',
};

const SEVERITY_RANK: Record<Finding['severity'], number> = { unsafe: 0, conditional: 1, warning: 2, info: 3 };

function clip(text: string, limit = SECTION_TEXT_LIMIT): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text) } };
}

/** Adds lines until the next one would pass the limit, then says how many were left out. */
function boundedList(lines: string[], limit = SECTION_TEXT_LIMIT - 100): string {
  const kept: string[] = [];
  let length = 0;
  for (const line of lines) {
    if (length + line.length + 1 > limit) break;
    kept.push(line);
    length += line.length + 1;
  }
  const left = lines.length - kept.length;
  return left > 0 ? `${kept.join('\n')}\n…and ${left} more` : kept.join('\n');
}

export function safetyBlocks(report: SafetyReport): KnownBlock[] {
  if (!report.analyzed)
    return [
      section(
        `${HEADLINE.unknown}\n${escapeMrkdwn(report.reason ?? 'No release source was available.')}\nTreat it as not proven safe.`,
      ),
    ];
  const blocks: KnownBlock[] = [section(HEADLINE[report.verdict])];
  const findings = report.files
    .flatMap((file) => file.findings.map((finding) => ({ path: file.path, finding })))
    .sort((a, b) => SEVERITY_RANK[a.finding.severity] - SEVERITY_RANK[b.finding.severity]);
  if (findings.length > 0) {
    const lines = findings.slice(0, TOP_FINDINGS).map(({ path, finding }) => {
      const where = finding.line !== undefined ? `${path}:${finding.line}` : path;
      return `• \`${escapeMrkdwn(where)}\` *${finding.rule}* — ${escapeMrkdwn(finding.message)}`;
    });
    if (findings.length > TOP_FINDINGS) lines.push(`…and ${findings.length - TOP_FINDINGS} more findings`);
    blocks.push(section(boundedList(lines)));
  }
  if (report.preconditions.length > 0) {
    const steps = report.preconditions.map((step, index) => `${index + 1}. \`${escapeMrkdwn(step.sql)}\``);
    blocks.push(section(`*Run before rolling back:*\n${boundedList(steps, SECTION_TEXT_LIMIT - 200)}`));
  } else if (report.verdict === 'unsafe') {
    const remedies = [
      ...new Set(findings.filter((f) => f.finding.severity === 'unsafe').map((f) => f.finding.remediation)),
    ];
    blocks.push(
      section(`*Remediation:*\n${boundedList(remedies.slice(0, 3).map((r) => `• ${escapeMrkdwn(r)}`))}`),
    );
  }
  if (report.alternatives.length > 0)
    blocks.push(
      section(`*Instead:*\n${boundedList(report.alternatives.map((a) => `• ${escapeMrkdwn(a)}`))}`),
    );
  if (report.verdict === 'unsafe')
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: 'Rolling back anyway needs an explicit override by two approvers.' },
      ],
    });
  return blocks.slice(0, 6);
}

/**
 * The card's safety section for an incident: "analysis running" while pending, else the report
 * (or the recorded verdict when the report has expired), the override's reason first and a note
 * on the precondition steps the plan runs first.
 */
export function incidentSafetyBlocks(incident: Incident, report: SafetyReport | undefined): KnownBlock[] {
  const record = incident.safety;
  if (!record) return [];
  if (record.verdict === 'pending')
    return [
      section(
        ':hourglass_flowing_sand: *Rollback safety: analysis running* — this card updates when it is done; approvals wait for it.',
      ),
    ];
  const blocks: KnownBlock[] = report
    ? safetyBlocks(report)
    : [section(`*Rollback safety: ${record.verdict}* (the full report is no longer kept).`)];
  if (record.override && record.why) blocks.unshift(section(`:rotating_light: ${escapeMrkdwn(record.why)}`));
  const added = incident.plan.steps.filter((step) => /^p\d+$/.test(step.id)).length;
  if (added > 0)
    blocks.push(
      context(
        `The plan below runs the ${added} precondition step(s) first, through the catalog's sqlRunner.`,
      ),
    );
  return blocks;
}
