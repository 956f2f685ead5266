/** The card's and progress message's buttons (Approve, Reject, Waive, Dry run, Stop): ack, check the payload, hand to the flow, explain refusals privately. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { FlowDeps } from '../../../../flows/deps.js';
import { approveClick, rejectClick, type ClickOutcome } from '../../../../flows/decide.js';
import { waiveGateClick } from '../../../../flows/schema-gate.js';
import { dryRunClick } from '../../../../flows/dry-run.js';
import { stopClick } from '../../../../flows/stop.js';
import { ACTION_IDS } from '../../../outbound/slack/blocks/action-ids.js';

/** `RB-12`, or `RB-12:flag` for an alternative plan's Approve. */
const BUTTON_VALUE = /^(RB-\d{1,9})(?::(flag|code))?$/;

function register(
  app: App,
  deps: FlowDeps,
  actionId: string,
  handle: (deps: FlowDeps, incidentId: string, userId: string, choice?: string) => Promise<ClickOutcome>,
): void {
  app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
    await ack();
    const userId = body.user.id;
    const channel = body.channel?.id ?? body.container?.channel_id;
    const match = BUTTON_VALUE.exec(typeof action.value === 'string' ? action.value : '');
    const incidentId = match?.[1] ?? '';
    const choice = actionId === ACTION_IDS.approve ? match?.[2] : undefined;
    let notice: string | undefined;
    if (!match || (match[2] && actionId !== ACTION_IDS.approve)) {
      notice = 'This button does not name a rollback I know; nothing was changed.';
    } else {
      try {
        notice = (await handle(deps, incidentId, userId, choice)).notice;
      } catch (error) {
        deps.logger.error({ err: error, incidentId, userId, actionId }, 'button click failed');
        notice = 'Sorry, I could not record that click; nothing was changed. Try again.';
      }
    }
    if (notice && channel) {
      await deps.slack.chat
        .postEphemeral({ channel, user: userId, text: notice })
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not send the ephemeral notice'));
    }
  });
}

export function registerDecisionActions(app: App, deps: FlowDeps): void {
  register(app, deps, ACTION_IDS.approve, approveClick);
  register(app, deps, ACTION_IDS.reject, rejectClick);
  register(app, deps, ACTION_IDS.waiveGate, waiveGateClick);
  register(app, deps, ACTION_IDS.dryRun, dryRunClick);
  register(app, deps, ACTION_IDS.stop, stopClick);
}
