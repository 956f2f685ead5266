/**
 * The evidence in words and as a tier: the card's one line ("Errors 15.2% (baseline 0.1%) · p99
 * 450 ms (200 ms) · began 14:15, 15 min after v2.4.0"), the blast radius, and DOMAIN's tiers from
 * the numbers alone, so the same incident gets the same tier whoever reported it.
 */
import type { Tier, TriageThresholds } from '../assessment.js';
import type { BlastRadius, MeasuredEvidence } from './evidence.js';

const trim = (text: string) => text.replace(/\.0$/, '');

/** "15.2%", "0.1%", "0.04%", "22%" (endpoints read better whole from 10% up). */
export function percent(value: number, wholeFrom = Infinity): string {
  if (value === 0) return '0%';
  if (value >= wholeFrom) return `${Math.round(value)}%`;
  return `${trim(value >= 0.1 ? value.toFixed(1) : value.toFixed(2))}%`;
}

/** "450 ms", "1.2 s". */
export function millis(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${trim((value / 1000).toFixed(1))} s`;
}

const two = (n: number) => String(n).padStart(2, '0');
const hhmm = (iso: string) => {
  const d = new Date(iso);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}`;
};

/** "15 min", "2 h 5 min". */
export function gap(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 120) return `${minutes} min`;
  const rest = minutes % 60;
  return `${Math.floor(minutes / 60)} h${rest ? ` ${rest} min` : ''}`;
}

/** How the change relates to the deploy: after it (the deploy is the suspect), before it, or no deploy. */
export function changeVersusDeploy(e: MeasuredEvidence): 'after' | 'before' | 'no-deploy' | 'no-change' {
  if (!e.changePoint) return 'no-change';
  if (!e.deploy) return 'no-deploy';
  return Date.parse(e.changePoint.at) < Date.parse(e.deploy.at) ? 'before' : 'after';
}

function beganText(e: MeasuredEvidence): string {
  const relation = changeVersusDeploy(e);
  if (relation === 'no-change' || !e.changePoint) return 'no change from the baseline';
  const began = `began ${hhmm(e.changePoint.at)}`;
  if (relation === 'no-deploy' || !e.deploy) return `${began}, with no deploy before it`;
  const apart = gap(Date.parse(e.changePoint.at) - Date.parse(e.deploy.at));
  return `${began}, ${apart} ${relation} ${e.deploy.version}`;
}

/** The card's one line. */
export function evidenceSummary(e: MeasuredEvidence): string {
  const parts: string[] = [];
  const { baseline, current } = e;
  if (current.errorRatePercent !== undefined) {
    const base =
      baseline.errorRatePercent !== undefined ? ` (baseline ${percent(baseline.errorRatePercent)})` : '';
    parts.push(`Errors ${percent(current.errorRatePercent)}${base}`);
  }
  if (current.p99Ms !== undefined) {
    const base = baseline.p99Ms !== undefined ? ` (${millis(baseline.p99Ms)})` : '';
    parts.push(`p99 ${millis(current.p99Ms)}${base}`);
  }
  parts.push(beganText(e));
  return parts.join(' · ');
}

/** "3 of 6 endpoints: /api/checkout 22%, …; fine: /api/search, …". */
export function blastRadiusText(radius: BlastRadius): string | undefined {
  const total = radius.affected.length + radius.fine.length;
  if (total === 0) return undefined;
  if (radius.affected.length === 0) return `No ${radius.label} is worse than its baseline (${total} read)`;
  const hit = radius.affected.map((r) => `${r.endpoint} ${percent(r.nowPercent, 10)}`).join(', ');
  const fine = radius.fine.length > 0 ? `; fine: ${radius.fine.join(', ')}` : '';
  return `${radius.affected.length} of ${total} endpoints: ${hit}${fine}`;
}

/** DOMAIN's tiers from the numbers; each reason a phrase, the deciding one first. */
export function tierFromEvidence(
  e: MeasuredEvidence,
  t: TriageThresholds,
): { tier: Tier; reasons: string[] } {
  const errors = e.current.errorRatePercent;
  const p99 = e.current.p99Ms;
  const baseP99 = e.baseline.p99Ms;
  const factor = p99 !== undefined && baseP99 ? p99 / baseP99 : undefined;
  const latency = (bound: number) =>
    `p99 ${millis(p99 ?? 0)} is ${trim((factor ?? 0).toFixed(1))}× the baseline ${millis(baseP99 ?? 0)} (at least ${bound}×)`;
  if (errors !== undefined && errors > t.immediateErrorRate)
    return {
      tier: 'IMMEDIATE',
      reasons: [`error rate ${percent(errors)} is above ${t.immediateErrorRate}%`],
    };
  if (errors !== undefined && errors > t.fastErrorRate)
    return { tier: 'FAST', reasons: [`error rate ${percent(errors)} is above ${t.fastErrorRate}%`] };
  if (factor !== undefined && factor >= t.fastLatencyFactor)
    return { tier: 'FAST', reasons: [latency(t.fastLatencyFactor)] };
  if (errors !== undefined && errors > t.plannedErrorRate)
    return { tier: 'PLANNED', reasons: [`error rate ${percent(errors)} is above ${t.plannedErrorRate}%`] };
  if (factor !== undefined && factor >= t.plannedLatencyFactor)
    return { tier: 'PLANNED', reasons: [latency(t.plannedLatencyFactor)] };
  const shown = [
    errors !== undefined ? `error rate ${percent(errors)} is at or below ${t.plannedErrorRate}%` : undefined,
    factor !== undefined ? `p99 is under ${t.plannedLatencyFactor}× the baseline` : undefined,
  ].filter((reason): reason is string => reason !== undefined);
  return { tier: 'MONITOR', reasons: shown };
}
