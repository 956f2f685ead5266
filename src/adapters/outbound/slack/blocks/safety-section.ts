/**
 * The Safety section of the assessment card: verdict, top findings (file:line, rule, why),
 * what to run first and what to do instead. Pure: report in, Block Kit out, within Slack's limits
 * (section text ≤ 3000 characters, a handful of blocks).
 */
import { GATE_WAIVERS_NEEDED, columnName } from '../../../../domain/safety/schema-gate.js';
import { ACTION_IDS } from './action-ids.js';
import type { KnownBlock } from '@slack/types';
import type { Incident } from '../../../../domain/incident.js';
import type { Finding, ReportVerdict, SafetyReport } from '../../../../domain/safety/types.js';
import { percent } from '../../../../domain/evidence/grade.js';
import { matchingEndpoints } from '../../../../domain/safety/endpoint-match.js';
import { context, escapeMrkdwn, mention } from './mrkdwn.js';

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
    // Each finding in plain words, where it is after it; the rule ids (for the docs and the CLI's
    // JSON) in a small line below, not in the way of a tired reader.
    const shown = findings.slice(0, TOP_FINDINGS);
    const lines = shown.map(({ path, finding }) => {
      const where = finding.line !== undefined ? `${path}:${finding.line}` : path;
      return `• ${escapeMrkdwn(finding.message)} (\`${escapeMrkdwn(where)}\`)`;
    });
    if (findings.length > TOP_FINDINGS) lines.push(`…and ${findings.length - TOP_FINDINGS} more findings`);
    blocks.push(section(boundedList(lines)));
    blocks.push(
      context(clip(`Rules: ${[...new Set(shown.map(({ finding }) => finding.rule))].join(', ')}`, 2000)),
    );
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
  return blocks.slice(0, 7);
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
  const suspects = report ? unmigratedOnFailingEndpoints(incident, report) : [];
  if (suspects.length > 0)
    blocks.push(section(`:mag: *Where the errors may come from:*\n${boundedList(suspects.slice(0, 5))}`));
  const added = incident.plan.steps.filter((step) => /^p\d+$/.test(step.id)).length;
  if (added > 0)
    blocks.push(
      context(
        `The plan below runs the ${added} precondition step(s) first, through the catalog's sqlRunner.`,
      ),
    );
  blocks.push(...liveSchemaBlocks(incident));
  return blocks;
}

/** `return await stripe.charges.create(x);` → `stripe.charges.create(x)`: the call itself. */
function callOf(line: string): string {
  return line
    .replace(/^(?:return\s+|await\s+|(?:const|let|var)\s+[\w$]+\s*=\s*)+/, '')
    .replace(/;\s*$/, '')
    .slice(0, 80);
}

/**
 * Files the release left on the old major version of a package, tied to the endpoints the
 * metrics show failing when their names match: "src/orders/retry.js still calls charge(amount):
 * matches /api/orders (40%)".
 */
function unmigratedOnFailingEndpoints(incident: Incident, report: SafetyReport): string[] {
  const evidence = incident.evidence?.status === 'measured' ? incident.evidence : undefined;
  const affected = evidence?.blastRadius?.affected ?? [];
  if (affected.length === 0) return [];
  const rate = new Map(affected.map((reading) => [reading.endpoint, reading.nowPercent]));
  const lines: string[] = [];
  for (const change of report.dependencies)
    for (const site of change.unmigrated ?? []) {
      const endpoints = matchingEndpoints(site.path, [...rate.keys()]);
      if (endpoints.length === 0) continue;
      const where = endpoints.map(
        (endpoint) => `${escapeMrkdwn(endpoint)} (${percent(rate.get(endpoint) ?? 0, 10)})`,
      );
      lines.push(
        `• \`${escapeMrkdwn(site.path)}\` still calls \`${escapeMrkdwn(callOf(site.text))}\` (${escapeMrkdwn(change.name)} ${escapeMrkdwn(change.from ?? '?')} → ${escapeMrkdwn(change.to ?? '?')}, untouched by the release): matches ${where.join(', ')}`,
      );
    }
  return lines;
}

/** What the live database showed, and the gate the rollback must pass before its first code step. */
function liveSchemaBlocks(incident: Incident): KnownBlock[] {
  const { liveSchema, gate } = incident.safety ?? {};
  const blocks: KnownBlock[] = [];
  if (liveSchema?.error) blocks.push(context(`Live schema not read: ${escapeMrkdwn(liveSchema.error)}.`));
  else if (liveSchema && liveSchema.inEffect.length > 0)
    blocks.push(
      section(
        `:white_check_mark: *Already in effect in the live database:* ${escapeMrkdwn(liveSchema.inEffect.join('; '))}.`,
      ),
    );
  if (!gate) return blocks;
  const waived = gate.waivers.length >= GATE_WAIVERS_NEEDED;
  const waiverNote =
    gate.waivers.length > 0 && !waived ? ` Waived so far by ${gate.waivers.map(mention).join(', ')}.` : '';
  const text = waived
    ? `:unlock: *Schema gate waived* by ${gate.waivers.map(mention).join(' and ')}: the rollback will not check the preconditions.`
    : gate.checkable && gate.unreadable.length === 0
      ? `:lock: *Schema gate:* right before the first code step the bot re-reads the live schema and stops, touching nothing, unless ${escapeMrkdwn(gate.requirements.map(columnName).join(', '))} accept the old code's inserts (nullable or with a default).${waiverNote}`
      : `:lock: *Schema gate cannot check:* ${gate.checkable ? 'some precondition SQL says nothing it can verify' : `no \`database\` is configured for ${escapeMrkdwn(`${incident.service}/${incident.environment}`)}`}. Two approvers must waive it before the rollback can be approved.${waiverNote}`;
  blocks.push(section(text));
  if (!waived && (incident.state === 'awaiting_approval' || incident.state === 'queued'))
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.waiveGate,
          value: incident.id,
          text: { type: 'plain_text', text: 'Waive the schema gate' },
          confirm: {
            title: { type: 'plain_text', text: 'Waive the schema gate?' },
            text: {
              type: 'mrkdwn',
              text: `You confirm that ${escapeMrkdwn(gate.requirements.map(columnName).join(', ') || 'the preconditions')} already accept the old code's inserts, or that you accept the outage if they do not. Two approvers must waive; it is recorded in the timeline and the postmortem.`,
            },
            confirm: { type: 'plain_text', text: 'Waive' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    });
  return blocks;
}
