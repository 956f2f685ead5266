/**
 * Rehearsals: a drill runs an environment's rollback plan for real, approvals and all, in a
 * non-production environment, and keeps how long each step took. The runbook's time estimates and
 * the "last rehearsed" line on the card come from these records.
 */
import type { TimelineEvent } from './timeline.js';

/** What one drill measured. */
export interface DrillRecord {
  service: string;
  environment: string;
  incidentId: string;
  /** When the drill finished (ISO). */
  at: string;
  outcome: 'succeeded' | 'failed';
  /** Request to the end of verification. */
  totalMs: number;
  /** From the approval to the end of verification: what the 5-minute goal measures. */
  runMs?: number;
  steps: { name: string; durationMs: number; ok: boolean }[];
  verifyMs?: number;
}

/** DOMAIN.md: a drill older than a quarter is stale. */
export const DRILL_STALE_MS = 90 * 24 * 3_600_000;
/** DOMAIN.md: a rollback should take at most five minutes. */
export const ROLLBACK_GOAL_MS = 5 * 60_000;

/** Environments named like production are never drilled (the rehearsal would be the real thing). */
export function isProductionName(environment: string): boolean {
  return /^(prod|production|live|prd)([-_].*)?$/i.test(environment);
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A step's estimate: the median of its successful runs in the last three successful drills. */
export function stepEstimate(drills: DrillRecord[], stepName: string): number | undefined {
  const recent = drills.filter((drill) => drill.outcome === 'succeeded').slice(0, 3);
  return median(
    recent.flatMap((drill) =>
      drill.steps.filter((s) => s.name === stepName && s.ok).map((s) => s.durationMs),
    ),
  );
}

export function verifyEstimate(drills: DrillRecord[]): number | undefined {
  const recent = drills.filter((drill) => drill.outcome === 'succeeded').slice(0, 3);
  return median(recent.flatMap((drill) => (drill.verifyMs === undefined ? [] : [drill.verifyMs])));
}

/** "Last rehearsed 2026-11-02 (31 days ago)", with a nag past 90 days; drills are newest first. */
export function rehearsalLine(drills: DrillRecord[], now: Date): { text: string; stale: boolean } {
  const last = drills[0];
  if (!last)
    return { text: 'Not yet rehearsed: run /rollback drill in a non-production environment.', stale: true };
  const ageMs = now.getTime() - Date.parse(last.at);
  const days = Math.floor(ageMs / (24 * 3_600_000));
  const when = `${last.at.slice(0, 10)} (${days === 0 ? 'today' : `${days} day${days === 1 ? '' : 's'} ago`})`;
  const outcome = last.outcome === 'succeeded' ? '' : ', and it failed';
  if (ageMs > DRILL_STALE_MS)
    return { text: `Last rehearsed ${when}${outcome}: over 90 days, rehearse again.`, stale: true };
  return { text: `Last rehearsed ${when}${outcome}.`, stale: last.outcome !== 'succeeded' };
}

/** What a finished drill measured, read from its timeline; undefined while it has not ended. */
export function drillRecordOf(
  incident: { id: string; service: string; environment: string; createdAt: string },
  events: TimelineEvent[],
): DrillRecord | undefined {
  const end = events.findLast(
    (e) =>
      e.type === 'rollback_complete' ||
      e.type === 'rollback_failed' ||
      e.type === 'rollback_unverified' ||
      e.type === 'manual_intervention_required',
  );
  if (!end) return undefined;
  const span = (from: string | undefined) => (from ? Date.parse(end.at) - Date.parse(from) : undefined);
  // The last attempt's time for each step: a retried step is estimated by the run that worked.
  const steps = new Map<string, { name: string; durationMs: number; ok: boolean }>();
  let lastStepEnd: string | undefined;
  for (const event of events) {
    if (event.type === 'step_succeeded') {
      steps.set(event.stepId, { name: event.name, durationMs: event.durationMs, ok: true });
      lastStepEnd = event.at;
    } else if (event.type === 'step_failed') {
      steps.set(event.stepId, { name: event.name, durationMs: event.durationMs, ok: false });
    }
  }
  const approved = events.find((e) => e.type === 'approved');
  const runMs = span(approved?.at);
  const verifyMs = end.type === 'rollback_complete' ? span(lastStepEnd) : undefined;
  return {
    service: incident.service,
    environment: incident.environment,
    incidentId: incident.id,
    at: end.at,
    outcome: end.type === 'rollback_complete' ? 'succeeded' : 'failed',
    totalMs: span(incident.createdAt) ?? 0,
    ...(runMs !== undefined ? { runMs } : {}),
    steps: [...steps.values()],
    ...(verifyMs !== undefined ? { verifyMs } : {}),
  };
}
