/**
 * The card's triage blocks: tier and why, how the alert relates to the latest deploy, what that
 * deploy changed, where the alert came from and how many arrived. Pure: model in, blocks out.
 */
import type { KnownBlock } from '@slack/types';
import { TIER_AIMS, type Assessment, type Tier } from '../../../../domain/assessment.js';
import { blastRadiusText, evidenceSummary, gap } from '../../../../domain/evidence/grade.js';
import { SOURCE_LABELS, type SignalLink, type SignalSource } from '../../../../domain/signal.js';
import { formatDuration } from '../../../../domain/values.js';
import { context, escapeMrkdwn, link, section, truncate } from './mrkdwn.js';

/** Alert counts shown on the card (the signal store's per-incident counters fit). */
export interface AlertCounts {
  firing: number;
  triggered: number;
  acknowledged: number;
  resolved: number;
  duplicates: number;
}

/** What the triage blocks show. */
export interface TriageSectionModel {
  assessment: Assessment;
  /** The signal that opened the incident, if an alert did. */
  signal?: { source: SignalSource; summary: string; links: SignalLink[] };
  counts?: AlertCounts;
  /** The alert resolved while the incident still awaited approval. */
  resolvedBeforeApproval?: boolean;
  now: Date;
}

/** Changes listed before "…and N more". */
export const MAX_CHANGES_SHOWN = 10;

const TIER_ICONS: Record<Tier, string> = {
  IMMEDIATE: ':rotating_light:',
  FAST: ':red_circle:',
  PLANNED: ':large_orange_circle:',
  MONITOR: ':large_blue_circle:',
};

/** Starts a sentence with a capital, except where it starts with a version name ("v2.4.0 was…"). */
const capitalise = (text: string) =>
  /^v\d/.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1);

function tierBlock(assessment: Assessment): KnownBlock {
  const reasons = assessment.reasons.map((reason) => escapeMrkdwn(reason)).join('; ');
  return section(
    `${TIER_ICONS[assessment.tier]} *${assessment.tier}* (${TIER_AIMS[assessment.tier]}) — ${capitalise(reasons)}`,
  );
}

/** The measured line and blast radius, or why the tier comes from the alert's words instead. */
function evidenceBlocks(assessment: Assessment, source: SignalSource | undefined): KnownBlock[] {
  const evidence = assessment.evidence;
  if (!evidence) return [];
  if (evidence.status === 'pending')
    return [
      context(':hourglass_flowing_sand: Reading metrics from Prometheus… the card updates when they arrive.'),
    ];
  if (evidence.status === 'unavailable') {
    const fallback =
      assessment.gradedBy !== 'alert'
        ? 'no alert either: graded as a request'
        : source === 'deploy'
          ? 'graded by the failed deploy CI/CD reported'
          : 'graded by the alert text';
    return [context(`:grey_question: Metrics unavailable: ${escapeMrkdwn(evidence.reason)}; ${fallback}.`)];
  }
  const blocks: KnownBlock[] = [section(`:bar_chart: *${escapeMrkdwn(evidenceSummary(evidence))}*`)];
  const radius = evidence.blastRadius ? blastRadiusText(evidence.blastRadius) : undefined;
  if (radius) blocks.push(section(`:dart: ${escapeMrkdwn(radius)}`));
  const { from, to } = evidence.baselineWindow;
  const span = formatDuration(Date.parse(to) - Date.parse(from));
  const before = evidence.deploy
    ? `before ${escapeMrkdwn(evidence.deploy.version)} was deployed`
    : `ending ${gap(Date.parse(evidence.readAt) - Date.parse(to))} ago (no deploy in the window)`;
  blocks.push(context(`Graded from Prometheus metrics: the last 5 minutes against the ${span} ${before}.`));
  return blocks;
}

function correlationBlock(assessment: Assessment): KnownBlock | undefined {
  // Measured, the one-line summary already says how long after the deploy it began.
  if (assessment.correlation && assessment.gradedBy !== 'metrics')
    return section(`:link: ${escapeMrkdwn(capitalise(assessment.correlation))}.`);
  if (assessment.advice) return section(`:warning: ${escapeMrkdwn(assessment.advice)}`);
  return undefined;
}

function changesBlock(assessment: Assessment, now: Date): KnownBlock | undefined {
  const deploy = assessment.deploy;
  if (!deploy) return undefined;
  const ago = Math.max(0, now.getTime() - Date.parse(deploy.deployedAt));
  const facts = [
    deploy.previousVersion ? `since ${escapeMrkdwn(deploy.previousVersion)}` : undefined,
    `deployed ${formatDuration(ago)} ago`,
    deploy.commitRange ? `commits \`${escapeMrkdwn(deploy.commitRange)}\`` : undefined,
  ].filter(Boolean);
  const head = `*Changes in ${escapeMrkdwn(deploy.version)}* (${facts.join(', ')})`;
  if (deploy.changes.length === 0) return section(`${head}: none reported by the deploy event.`);
  const shown = deploy.changes.slice(0, MAX_CHANGES_SHOWN).map((change) => {
    const id = change.url ? link(change.url, change.id) : escapeMrkdwn(change.id);
    return `• ${id} ${escapeMrkdwn(truncate(change.title, 150))}`;
  });
  const more = deploy.changes.length - shown.length;
  if (more > 0) shown.push(`…and ${more} more`);
  return section(`${head}:\n${shown.join('\n')}`);
}

function countsText(counts: AlertCounts): string | undefined {
  const parts = [
    counts.firing + counts.triggered > 0 ? `${counts.firing + counts.triggered} firing` : undefined,
    counts.acknowledged > 0 ? `${counts.acknowledged} acknowledged` : undefined,
    counts.resolved > 0 ? `${counts.resolved} resolved` : undefined,
    counts.duplicates > 0 ? `${counts.duplicates} repeat${counts.duplicates === 1 ? '' : 's'}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? `Alerts: ${parts.join(' · ')}` : undefined;
}

function sourceBlock(model: TriageSectionModel): KnownBlock | undefined {
  const parts: string[] = [];
  if (model.signal) {
    const from = SOURCE_LABELS[model.signal.source];
    parts.push(`${from}: ${escapeMrkdwn(truncate(model.signal.summary, 300))}`);
    parts.push(...model.signal.links.slice(0, 4).map((item) => link(item.url, item.label)));
  }
  const counts = model.counts ? countsText(model.counts) : undefined;
  if (counts) parts.push(counts);
  return parts.length > 0 ? context(parts.join(' · ')) : undefined;
}

/** The triage blocks, in the order the card shows them (for `CardExtras.triage`). */
export function triageSection(model: TriageSectionModel): KnownBlock[] {
  const blocks: (KnownBlock | undefined)[] = [
    tierBlock(model.assessment),
    ...evidenceBlocks(model.assessment, model.signal?.source),
    correlationBlock(model.assessment),
    changesBlock(model.assessment, model.now),
    sourceBlock(model),
    model.resolvedBeforeApproval
      ? section(
          ':white_check_mark: *The alert resolved before anyone approved.* Check whether the rollback is still needed before approving.',
        )
      : undefined,
  ];
  return blocks.filter((block): block is KnownBlock => block !== undefined);
}
