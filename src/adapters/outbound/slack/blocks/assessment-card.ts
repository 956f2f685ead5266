/**
 * The assessment card: what broke, what would run, who must approve. A pure view of the incident;
 * posted once and then replaced in place (`chat.update`) as approvals and outcomes arrive.
 */
import { stepCommandText } from '../../../../domain/strategies/registry.js';
import { SOURCE_LABELS } from '../../../../domain/signal.js';
import type { KnownBlock } from '@slack/types';
import { STATE_LABELS, type Incident } from '../../../../domain/incident.js';
import { displayArgv, type RollbackPlan } from '../../../../domain/plan.js';
import { formatDuration } from '../../../../domain/values.js';
import { ACTION_IDS, BLOCK_IDS } from './action-ids.js';
import { MAX_BLOCKS, MAX_HEADER_TEXT, MAX_SECTION_TEXT } from './limits.js';
import { codeSpan, escapeMrkdwn, link, mention, packLines, section, truncate } from './mrkdwn.js';

export interface CardExtras {
  /** Triage (tier, deploy correlation, changes) blocks, shown under the reason. */
  triage?: KnownBlock[];
  /** Rollback-safety blocks, shown above the plan. */
  safety?: KnownBlock[];
  /** Position in the environment's queue when waiting behind another rollback (1 = next). */
  queuePosition?: number;
  /** When this service's rollback was last rehearsed; `stale` past 90 days or never. */
  rehearsal?: { text: string; stale: boolean };
}

export function versionLine(incident: Incident): string {
  const from = incident.fromVersion ?? 'current version';
  const to = incident.toVersion ?? 'previous revision';
  return `${from} → ${to}`;
}

/** The plan's lines packed into at most `maxSections` sections, saying so when cut. */
function planSections(lines: string[], maxSections: number): KnownBlock[] {
  const packs = packLines(lines);
  if (packs.length > maxSections) {
    packs.length = maxSections;
    packs[maxSections - 1] = truncate(
      `${packs[maxSections - 1]}\n…and more (see the thread)`,
      MAX_SECTION_TEXT,
    );
  }
  return packs.map(section);
}

function planLines(plan: RollbackPlan): string[] {
  const lines = ['*Plan* — exactly what will run, in order:'];
  plan.steps.forEach((step, index) => {
    const flags = [step.idempotent ? 'idempotent' : 'runs once', `timeout ${formatDuration(step.timeoutMs)}`];
    const why = step.addedBecause ? ` — _${escapeMrkdwn(step.addedBecause)}_` : '';
    lines.push(
      `${index + 1}. *${escapeMrkdwn(step.name)}* (${flags.join(', ')})${why}\n${codeSpan(truncate(stepCommandText(step), 1200))}`,
    );
  });
  if (plan.verify.length > 0) {
    const checks = plan.verify.map((check) => {
      if (check.kind === 'http')
        return `${escapeMrkdwn(check.name)} (HTTP ${check.expectStatus} from ${escapeMrkdwn(check.url)})`;
      if (check.kind === 'metrics')
        return `${escapeMrkdwn(check.name)} (error rate and p99 within ${check.tolerance}× baseline for ${formatDuration(check.watchMs)})`;
      return `${escapeMrkdwn(check.name)} (${codeSpan(truncate(displayArgv(check.run), 300))})`;
    });
    lines.push(`*Then verify:* ${checks.join(', ')}`);
  }
  lines.push(`_Time budget: ${formatDuration(plan.timeBudgetMs)} for the whole rollback._`);
  return lines;
}

function approvalLine(incident: Incident): string {
  const { approvers, requiredApprovals, allowSelfApproval } = incident.policy;
  if (approvers.length === 0) {
    return ':no_entry: *No approvers are configured* for this environment, so nobody can approve this rollback. Add `approvers` to the catalog.';
  }
  const given = incident.approvals.map((approval) => mention(approval.userId));
  const parts = [
    `*Approvals:* ${incident.approvals.length} of ${requiredApprovals}${given.length ? ` — ${given.join(', ')}` : ''}`,
    `*Who can approve:* ${approvers.map(mention).join(', ')}${allowSelfApproval ? '' : ' (not the requester)'}`,
  ];
  return parts.join('\n');
}

function outcomeLine(incident: Incident, extras: CardExtras): string {
  const names = incident.approvals.map((approval) => mention(approval.userId)).join(', ');
  switch (incident.state) {
    case 'awaiting_approval':
      return `:hourglass_flowing_sand: Awaiting approval · expires <!date^${Math.floor(Date.parse(incident.expiresAt) / 1000)}^{time}|${incident.expiresAt}>`;
    case 'approved':
      return `:white_check_mark: Approved by ${names}`;
    case 'queued':
      return extras.queuePosition && extras.queuePosition > 1
        ? `:white_check_mark: Approved by ${names} · :double_vertical_bar: *Queued* behind ${extras.queuePosition - 1} other rollback(s) in ${escapeMrkdwn(incident.environment)}`
        : `:white_check_mark: Approved by ${names} · :arrow_forward: *Queued*`;
    case 'rejected':
      return `:x: *Rejected* by ${incident.rejectedBy ? mention(incident.rejectedBy) : 'an approver'}`;
    case 'expired':
      return ':alarm_clock: *Expired* without enough approvals. Nothing ran.';
    default:
      return `*${STATE_LABELS[incident.state]}* · approved by ${names || 'nobody'} · progress in the thread`;
  }
}

function openedBy(incident: Incident): string {
  return incident.source === 'slack'
    ? `requested by ${mention(incident.requester)}`
    : `opened by ${SOURCE_LABELS[incident.source]}`;
}

/**
 * Each less destructive plan with what it changes and its own Approve (`RB-12:flag`), least
 * destructive first, above the full plan's buttons. Once approvals are given for one choice, the
 * others are not offered any more.
 */
function alternativeBlocks(incident: Incident): KnownBlock[] {
  const offered = (incident.alternatives ?? []).filter(
    (alternative) => incident.approvals.length === 0 || incident.choice === alternative.id,
  );
  return offered.flatMap((alternative): KnownBlock[] => [
    section(
      truncate(
        `:arrow_down_small: *Less destructive: ${escapeMrkdwn(alternative.title)}* — ${escapeMrkdwn(alternative.changes)}\n${alternative.plan.steps
          .map(
            (step, index) =>
              `${index + 1}. ${escapeMrkdwn(step.name)}: ${codeSpan(truncate(stepCommandText(step), 300))}`,
          )
          .join('\n')}`,
        2900,
      ),
    ),
    {
      type: 'actions',
      block_id: `rollback_alternative_${alternative.id}`,
      elements: [
        {
          type: 'button',
          action_id: ACTION_IDS.approve,
          style: 'primary',
          text: { type: 'plain_text', text: truncate(`Approve: ${alternative.title}`, 75) },
          value: `${incident.id}:${alternative.id}`,
          confirm: {
            title: { type: 'plain_text', text: `Approve this for ${incident.id}?` },
            text: {
              type: 'mrkdwn',
              text: truncate(`${escapeMrkdwn(alternative.title)}. ${escapeMrkdwn(alternative.changes)}`, 300),
            },
            confirm: { type: 'plain_text', text: 'Approve' },
            deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
      ],
    },
  ]);
}

function decisionButtons(incident: Incident): KnownBlock {
  return {
    type: 'actions',
    block_id: BLOCK_IDS.decision,
    elements: [
      {
        type: 'button',
        action_id: ACTION_IDS.approve,
        style: 'primary',
        text: { type: 'plain_text', text: 'Approve' },
        value: incident.id,
        confirm: {
          title: { type: 'plain_text', text: `Approve ${incident.id}?` },
          text: {
            type: 'mrkdwn',
            text: truncate(
              `${incident.safety?.override ? ':rotating_light: *You are overriding the rollback-safety check* (see the card). ' : ''}This rolls *${escapeMrkdwn(incident.service)}* back in *${escapeMrkdwn(incident.environment)}* (${escapeMrkdwn(versionLine(incident))}) by running ${incident.plan.steps.length} step(s).`,
              300,
            ),
          },
          confirm: { type: 'plain_text', text: 'Approve' },
          deny: { type: 'plain_text', text: 'Cancel' },
        },
      },
      {
        type: 'button',
        action_id: ACTION_IDS.reject,
        style: 'danger',
        text: { type: 'plain_text', text: 'Reject' },
        value: incident.id,
      },
      {
        type: 'button',
        action_id: ACTION_IDS.dryRun,
        text: { type: 'plain_text', text: 'Dry run' },
        value: incident.id,
      },
    ],
  };
}

function contextLine(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

export function assessmentCard(
  incident: Incident,
  extras: CardExtras = {},
): { text: string; blocks: KnownBlock[] } {
  const title = `${incident.drill ? 'Drill: rollback' : 'Rollback'} ${incident.service} · ${incident.environment}: ${versionLine(incident)}`;
  const reason = incident.reason ? escapeMrkdwn(incident.reason) : '_No reason given._';
  const links = (incident.links ?? []).map((item) => link(item.url, item.label)).join(' · ');
  const head: KnownBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(title, MAX_HEADER_TEXT) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `*${incident.id}* · ${openedBy(incident)} · ${STATE_LABELS[incident.state]}${links ? ` · ${links}` : ''}`,
        },
        // In the same block: the card's screen budget has no room for a line of its own.
        ...(extras.rehearsal
          ? [
              {
                type: 'mrkdwn' as const,
                text: `${extras.rehearsal.stale ? ':warning: ' : ''}${escapeMrkdwn(extras.rehearsal.text)}`,
              },
            ]
          : []),
      ],
    },
    section(`*Reason:* ${reason}`),
  ];
  if (incident.drill)
    head.push(
      contextLine(
        `:test_tube: *Drill*: a rehearsal that runs the plan for real in ${escapeMrkdwn(incident.environment)}, approvals and all, timed step by step for the runbook. It sets no deploy lock.`,
      ),
    );
  const deciding = incident.state === 'awaiting_approval' && incident.policy.approvers.length > 0;
  const tail: KnownBlock[] = [
    ...(deciding ? alternativeBlocks(incident) : []),
    { type: 'divider' },
    section(approvalLine(incident)),
    section(outcomeLine(incident, extras)),
  ];
  if (deciding) tail.push(decisionButtons(incident));

  const extraBlocks = [...(extras.triage ?? []), ...(extras.safety ?? [])];
  const room = MAX_BLOCKS - head.length - tail.length - 1;
  const planRoom = Math.max(1, Math.min(8, room - extraBlocks.length));
  const planBlocks = planSections(planLines(incident.plan), planRoom);
  const middle = [
    ...extraBlocks.slice(0, Math.max(0, room - planBlocks.length)),
    { type: 'divider' } as KnownBlock,
    ...planBlocks,
  ];
  return {
    text: truncate(`${incident.id}: ${title} — ${STATE_LABELS[incident.state]}`, 300),
    blocks: [...head, ...middle, ...tail],
  };
}
