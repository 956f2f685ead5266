/**
 * The live schema gate's two doors: the check right before a rollback's first code step (the
 * preconditions must be in effect in the live database, now), and the explicit waiver by two
 * approvers, the only way past a gate that cannot check or that a human has checked by other means.
 */
import { findEnvironment } from '../catalog/load.js';
import { isEligible } from '../domain/approval.js';
import { isTerminal, type Incident } from '../domain/incident.js';
import { GATE_WAIVERS_NEEDED, columnName, evaluateGate } from '../domain/safety/schema-gate.js';
import type { TimelineEvent } from '../domain/timeline.js';
import type { FlowDeps } from './deps.js';
import type { ClickOutcome } from './decide.js';
import { LiveSchemaUnavailableError } from './ports/live-schema.js';
import { refreshViews } from './views.js';

type GateAnswer = { open: true } | { open: false; why: string; whatToCheck: string };

/**
 * The execution-time gate for one incident; each answer is on its timeline. A dry run asks the
 * same questions of the live database and records nothing.
 */
export function schemaGate(
  deps: FlowDeps,
  incident: Incident,
  options: { dryRun?: boolean } = {},
): (() => Promise<GateAnswer>) | undefined {
  const gate = incident.safety?.gate;
  if (!gate) return undefined;
  const record = async (open: boolean, detail: string) => {
    if (!options.dryRun)
      await deps.store.append(incident.id, {
        type: 'schema_gate',
        at: deps.now().toISOString(),
        open,
        detail,
      });
  };
  return async () => {
    // Waivers given since the rollback was queued count.
    const current = options.dryRun ? gate : ((await deps.store.get(incident.id))?.safety?.gate ?? gate);
    if (current.waivers.length >= GATE_WAIVERS_NEEDED) {
      await record(true, `waived by two approvers; not checked`);
      return { open: true };
    }
    const sqlList = [...new Set(current.requirements.map((r) => r.sql)), ...current.unreadable];
    const runFirst = `Run ${sqlList.map((sql) => `\`${sql}\``).join(', ')} against the live database, then open a new request (its gate re-reads the schema); or open one and have two approvers waive its gate before approving.`;
    const database = findEnvironment(deps.catalog, incident.service, incident.environment)?.database;
    if (!database || current.unreadable.length > 0) {
      const why = !database
        ? `no database is configured for ${incident.service}/${incident.environment}, so the gate cannot check`
        : `${current.unreadable.length} precondition(s) say nothing the gate can check`;
      await record(false, why);
      return { open: false, why, whatToCheck: runFirst };
    }
    let verdict;
    try {
      verdict = evaluateGate(
        current.requirements,
        await deps.safety.liveSchema.columns(database.urlEnv, current.requirements),
      );
    } catch (error) {
      const why = error instanceof LiveSchemaUnavailableError ? error.message : String(error);
      await record(false, why);
      return {
        open: false,
        why: `${why}; the gate cannot tell whether the preconditions hold`,
        whatToCheck: runFirst,
      };
    }
    if (verdict.open) {
      await record(true, verdict.inEffect.join('; '));
      return { open: true };
    }
    await record(false, verdict.missing.join('; '));
    return { open: false, why: verdict.missing.join('; '), whatToCheck: runFirst };
  };
}

/** A "Waive the schema gate" click: an approver's explicit waiver, counted once each; two waive it. */
export async function waiveGateClick(
  deps: FlowDeps,
  incidentId: string,
  userId: string,
): Promise<ClickOutcome> {
  const known = await deps.store.get(incidentId);
  if (!known) return { notice: `There is no incident ${incidentId}.` };
  const members = await deps.groups.membersOf(known.policy.approvers);
  const at = deps.now().toISOString();
  const outcome = await deps.store.mutate<{ notice: string; changed: boolean }>(incidentId, (incident) => {
    const gate = incident.safety?.gate;
    const refuse = (notice: string) => ({ unchanged: true as const, result: { notice, changed: false } });
    if (!gate || !incident.safety) return refuse(`${incident.id} has no schema gate to waive.`);
    if (isTerminal(incident.state) || incident.state === 'running')
      return refuse(
        `${incident.id} is ${incident.state.replace('_', ' ')}; a waiver can no longer change it.`,
      );
    if (!isEligible(incident.policy, userId, members))
      return refuse(`You are not an approver for ${incident.service}/${incident.environment}.`);
    if (userId === incident.requester && !incident.policy.allowSelfApproval)
      return refuse(`You requested ${incident.id}; two other approvers must waive its gate.`);
    if (gate.waivers.includes(userId)) return refuse(`You already waived the schema gate of ${incident.id}.`);
    if (gate.waivers.length >= GATE_WAIVERS_NEEDED)
      return refuse(`The schema gate of ${incident.id} is already waived.`);
    const waivers = [...gate.waivers, userId];
    const events: TimelineEvent[] = [
      { type: 'gate_waiver', at, by: userId, count: waivers.length, required: GATE_WAIVERS_NEEDED },
    ];
    if (waivers.length >= GATE_WAIVERS_NEEDED)
      events.push({
        type: 'gate_waived',
        at,
        approvers: waivers,
        requirements: gate.requirements.map(columnName),
      });
    return {
      incident: { ...incident, safety: { ...incident.safety, gate: { ...gate, waivers } }, updatedAt: at },
      events,
      result: {
        notice:
          waivers.length >= GATE_WAIVERS_NEEDED
            ? `The schema gate of ${incident.id} is waived; it is on the timeline and in the postmortem.`
            : `Waiver recorded (${waivers.length} of ${GATE_WAIVERS_NEEDED}).`,
        changed: true,
      },
    };
  });
  if (!outcome) return { notice: `There is no incident ${incidentId}.` };
  if (outcome.changed) await refreshViews(deps, incidentId);
  return { notice: outcome.notice };
}
