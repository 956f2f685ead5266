/**
 * Triage: how urgent is this, and does a deploy explain it? A pure function returning a tier and
 * the reasons in words, so the card can show why, and tests can call it directly.
 */
import type { Evidence, MeasuredEvidence } from './evidence/evidence.js';
import { changeVersusDeploy, gap, tierFromEvidence } from './evidence/grade.js';
import type { DeployRecord, Signal } from './signal.js';

export const TIERS = ['IMMEDIATE', 'FAST', 'PLANNED', 'MONITOR'] as const;
export type Tier = (typeof TIERS)[number];

/** What each tier aims for (DOMAIN.md), as the card shows it. */
export const TIER_AIMS: Record<Tier, string> = {
  IMMEDIATE: 'act within 5 minutes',
  FAST: 'act within 30 minutes',
  PLANNED: 'act within 2 hours',
  MONITOR: 'no rollback; fix forward',
};

/** A phrase in an alert that makes it more urgent (payments broken, data corruption…). */
export interface CriticalWord {
  /** How the reason names it: "mentions payments". */
  label: string;
  pattern: RegExp;
}

/** The thresholds behind the tiers; `DEFAULT_THRESHOLDS` holds DOMAIN.md's defaults. */
export interface TriageThresholds {
  /** Error rate (percent) above which the tier is IMMEDIATE. */
  immediateErrorRate: number;
  /** Error rate above which the tier is at least FAST. */
  fastErrorRate: number;
  /** Error rate above which the tier is at least PLANNED; below it, MONITOR. */
  plannedErrorRate: number;
  /** p99 latency as a multiple of the baseline: at least FAST at or above this. */
  fastLatencyFactor: number;
  /** At least PLANNED at or above this. */
  plannedLatencyFactor: number;
  /** Words that raise an urgent (or warning) alert by one tier. */
  criticalWords: CriticalWord[];
}

export const DEFAULT_THRESHOLDS: TriageThresholds = {
  immediateErrorRate: 50,
  fastErrorRate: 10,
  plannedErrorRate: 5,
  fastLatencyFactor: 3,
  plannedLatencyFactor: 2,
  criticalWords: [
    { label: 'data corruption', pattern: /data (?:corruption|loss)|\bcorrupt/i },
    { label: 'a security breach', pattern: /security (?:breach|incident)|\bbreach|unauthori[sz]ed access/i },
    { label: 'payments', pattern: /\bpayments?\b|\bbilling\b|\bcharges? fail/i },
    { label: 'authentication', pattern: /\bauth(?:entication|n)?\b|\blog ?in\b|\bsign[- ]?in\b|\bsso\b/i },
    { label: 'database integrity', pattern: /database integrity|\bintegrity\b|constraint violation/i },
    { label: '5xx errors', pattern: /\b5xx\b|\b50[0-4]s?\b|server errors?/i },
  ],
};

/** The outcome of triage: the tier, why, and how the alert relates to the latest deploy. */
export interface Assessment {
  tier: Tier;
  /** Each reason a full phrase, most important first. */
  reasons: string[];
  /** "alert began 15 minutes after v2.4.0 was deployed at 14:00 UTC". */
  correlation?: string;
  /** The deploy the alert most likely follows (or the latest one, without an alert). */
  deploy?: DeployRecord;
  /** Milliseconds from that deploy to the alert (or to now, without an alert). */
  sinceDeployMs?: number;
  /** What to do instead when a rollback may not help. */
  advice?: string;
  /** What the tier was read from: the metrics, the alert's own grading and words, or neither. */
  gradedBy: 'metrics' | 'alert' | 'request';
  /** The measured evidence, or why there is none (absent when no metrics source is configured). */
  evidence?: Evidence;
}

/** What else a triage weighs besides the signal and the deploys. */
export interface TriageContext {
  evidence?: Evidence;
  /** The version being rolled back: that deploy is the suspect however long ago it was. */
  fromVersion?: string;
}

const RANK: Record<Tier, number> = { IMMEDIATE: 0, FAST: 1, PLANNED: 2, MONITOR: 3 };
const oneUp = (tier: Tier): Tier => (tier === 'FAST' ? 'IMMEDIATE' : tier === 'PLANNED' ? 'FAST' : tier);

/** The tier the sender's own grading implies, before reading what the alert says. */
function tierFromGrade(signal: Signal): { tier: Tier; reason: string } {
  if (signal.source === 'deploy') {
    return { tier: 'FAST', reason: 'CI/CD reports the deploy failed' };
  }
  if (signal.source === 'pagerduty') {
    return signal.urgency === 'low'
      ? { tier: 'PLANNED', reason: 'PagerDuty urgency is low' }
      : { tier: 'FAST', reason: 'PagerDuty urgency is high' };
  }
  const severity = signal.severity?.toLowerCase();
  if (!severity) return { tier: 'PLANNED', reason: 'the alert has no severity label; treated as a warning' };
  if (['critical', 'page', 'high', 'error', 'emergency', 'p1', 'sev1'].includes(severity)) {
    return { tier: 'FAST', reason: `Alertmanager severity is ${severity}` };
  }
  if (['info', 'informational', 'none', 'low', 'debug'].includes(severity)) {
    return { tier: 'MONITOR', reason: `Alertmanager severity is ${severity}` };
  }
  return { tier: 'PLANNED', reason: `Alertmanager severity is ${severity}` };
}

const ERROR_WORDS = /\b5xx\b|\berrors?\b|\bfail(?:ures?|ing|ed)?\b|\b50[0-4]s?\b/i;
const LATENCY_WORDS = /\bp9\d\b|\blatency\b|\bslow\b|\bresponse time/i;

/** The largest percentage in a text that talks about errors ("5xx rate 62%"). */
export function measuredErrorRate(text: string): number | undefined {
  if (!ERROR_WORDS.test(text)) return undefined;
  const values = [...text.matchAll(/(\d+(?:\.\d+)?)\s?%/g)].map((match) => Number(match[1]));
  return values.length > 0 ? Math.max(...values) : undefined;
}

/** A latency multiple in a text that talks about latency ("p99 3.5x baseline"). */
export function measuredLatencyFactor(text: string): number | undefined {
  if (!LATENCY_WORDS.test(text)) return undefined;
  const values = [...text.matchAll(/(\d+(?:\.\d+)?)\s?(?:x|×|times)(?![a-z])/gi)].map((match) =>
    Number(match[1]),
  );
  return values.length > 0 ? Math.max(...values) : undefined;
}

function tierFromMeasures(text: string, t: TriageThresholds): { tier: Tier; reason: string } | undefined {
  let found: { tier: Tier; reason: string } | undefined;
  const rate = measuredErrorRate(text);
  if (rate !== undefined) {
    const tier: Tier =
      rate > t.immediateErrorRate
        ? 'IMMEDIATE'
        : rate > t.fastErrorRate
          ? 'FAST'
          : rate > t.plannedErrorRate
            ? 'PLANNED'
            : 'MONITOR';
    const bound =
      tier === 'IMMEDIATE'
        ? `above ${t.immediateErrorRate}%`
        : tier === 'FAST'
          ? `above ${t.fastErrorRate}%`
          : tier === 'PLANNED'
            ? `above ${t.plannedErrorRate}%`
            : `at or below ${t.plannedErrorRate}%`;
    found = { tier, reason: `error rate ${rate}% is ${bound}` };
  }
  const factor = measuredLatencyFactor(text);
  if (factor !== undefined && factor >= t.plannedLatencyFactor) {
    const tier: Tier = factor >= t.fastLatencyFactor ? 'FAST' : 'PLANNED';
    const bound = tier === 'FAST' ? t.fastLatencyFactor : t.plannedLatencyFactor;
    const latency = { tier, reason: `latency ${factor}× baseline is at least ${bound}×` };
    if (!found || RANK[tier] < RANK[found.tier]) found = latency;
  }
  return found;
}

/** "15 minutes", "1 hour 5 minutes", "less than a minute". */
export function describeGap(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'less than a minute';
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (minutes < 120) return plural(minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${plural(hours, 'hour')} ${plural(rest, 'minute')}` : plural(hours, 'hour');
}

const two = (n: number) => String(n).padStart(2, '0');
const utcDay = (d: Date) => `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;

/** "14:00 UTC", plus the date when it differs from the reference day. */
function clock(at: Date, reference: Date): string {
  const time = `${two(at.getUTCHours())}:${two(at.getUTCMinutes())} UTC`;
  return utcDay(at) === utcDay(reference) ? time : `${time} on ${utcDay(at)}`;
}

const NO_DEPLOY_ADVICE =
  'A rollback may not help. Check traffic (a spike, a retry storm, one noisy client), outside dependencies ' +
  '(third-party APIs, DNS, the cloud provider) and the database (locks, slow queries, connections, disk) first.';

/**
 * The deploy an incident follows: the one being rolled back (`fromVersion`) when it is known and
 * not later than `at`, whatever its age; else the latest at or before `at` within the look-back.
 */
export function suspectDeploy(
  deploys: DeployRecord[],
  at: Date,
  lookbackMs: number,
  fromVersion?: string,
): DeployRecord | undefined {
  const named = fromVersion ? deploys.find((d) => d.version === fromVersion) : undefined;
  if (named && Date.parse(named.deployedAt) <= at.getTime()) return named;
  let best: DeployRecord | undefined;
  for (const deploy of deploys) {
    const time = Date.parse(deploy.deployedAt);
    if (Number.isNaN(time) || time > at.getTime() || at.getTime() - time > lookbackMs) continue;
    if (!best || time > Date.parse(best.deployedAt)) best = deploy;
  }
  return best;
}

function correlate(
  signal: Signal | undefined,
  deploys: DeployRecord[],
  now: Date,
  lookbackMs: number,
  fromVersion?: string,
): Pick<Assessment, 'correlation' | 'deploy' | 'sinceDeployMs' | 'advice'> & { note?: string } {
  const startedAt = signal ? new Date(signal.startedAt) : now;
  const reference = Number.isNaN(startedAt.getTime()) ? now : startedAt;
  const deploy = suspectDeploy(deploys, reference, lookbackMs, fromVersion);
  const later = deploys.find((d) => Date.parse(d.deployedAt) > reference.getTime());
  const note =
    signal && later
      ? `${later.version} was deployed after the alert began, so it did not cause it`
      : undefined;
  if (!deploy) {
    const window = describeGap(lookbackMs);
    const what = signal ? `the ${window} before the alert` : `the last ${window}`;
    return { advice: `No deploy in ${what}. ${NO_DEPLOY_ADVICE}`, note };
  }
  const deployedAt = new Date(deploy.deployedAt);
  const sinceDeployMs = reference.getTime() - deployedAt.getTime();
  const correlation = signal
    ? `alert began ${describeGap(sinceDeployMs)} after ${deploy.version} was deployed at ${clock(deployedAt, reference)}`
    : `${deploy.version} was deployed ${describeGap(sinceDeployMs)} ago, at ${clock(deployedAt, reference)}`;
  return { correlation, deploy, sinceDeployMs, note };
}

/** Harm an error rate cannot show: an alert that reports it is IMMEDIATE whatever the numbers say. */
const BEYOND_METRICS = new Set(['data corruption', 'a security breach', 'database integrity']);

/**
 * The numbers decide, except for what they cannot see: data corruption, a breach or database
 * integrity named by the alert (DOMAIN: IMMEDIATE), and a deploy CI reports failed while the
 * metrics show no harm yet (its new version may not be serving), which is at least PLANNED.
 */
function beyondMetrics(
  signal: Signal | undefined,
  graded: { tier: Tier; reasons: string[] },
  t: TriageThresholds,
): { tier: Tier; reasons: string[] } {
  if (!signal || signal.status === 'resolved') return graded;
  const text = `${signal.summary}\n${signal.description ?? ''}`;
  const words = t.criticalWords.filter((word) => BEYOND_METRICS.has(word.label) && word.pattern.test(text));
  if (words.length > 0)
    return {
      tier: 'IMMEDIATE',
      reasons: [
        `the alert reports ${words.map((w) => w.label).join(', ')}, which the metrics cannot show`,
        ...graded.reasons,
      ],
    };
  if (signal.source === 'deploy' && RANK[graded.tier] > RANK.PLANNED)
    return {
      tier: 'PLANNED',
      reasons: ['CI/CD reports the deploy failed; the metrics show no harm yet', ...graded.reasons],
    };
  return graded;
}

/** The correlation the metrics give: the change point against the deploy, in words. */
function measuredCorrelation(
  e: MeasuredEvidence,
  deploys: DeployRecord[],
): Pick<Assessment, 'correlation' | 'deploy' | 'sinceDeployMs' | 'advice'> {
  const deploy = e.deploy ? deploys.find((d) => d.version === e.deploy?.version) : undefined;
  const deployFields = deploy ? { deploy } : {};
  const change = e.changePoint;
  const relation = changeVersusDeploy(e);
  if (relation === 'no-change' || !change) {
    return {
      ...deployFields,
      advice:
        'Error rate and p99 are inside the band of the baseline before the deploy: the metrics show nothing a rollback would fix. Check the alert against the dashboards before rolling back.',
    };
  }
  const began = new Date(change.at);
  if (relation === 'no-deploy' || !e.deploy) {
    return {
      advice: `The ${change.metric} rose at ${clock(began, began)} with no deploy before it. ${NO_DEPLOY_ADVICE}`,
    };
  }
  const deployedAt = new Date(e.deploy.at);
  const sinceDeployMs = began.getTime() - deployedAt.getTime();
  if (relation === 'before') {
    return {
      ...deployFields,
      advice:
        `The ${change.metric} rose at ${clock(began, began)}, ${gap(sinceDeployMs)} before ${e.deploy.version} was deployed, ` +
        `so the deploy did not start it and a rollback is unlikely to help. ${NO_DEPLOY_ADVICE} The rollback is still offered if you judge otherwise.`,
    };
  }
  return {
    ...deployFields,
    sinceDeployMs,
    correlation: `${change.metric} rose ${describeGap(sinceDeployMs)} after ${e.deploy.version} was deployed at ${clock(deployedAt, began)}`,
  };
}

/**
 * Grades a signal (or a human's request, when `signal` is undefined) into a tier with reasons,
 * and relates it to the deploys of its service and environment within `lookbackMs`. Measured
 * evidence, when there is some, decides the tier and the correlation; the alert is the fallback.
 */
export function triage(
  signal: Signal | undefined,
  deploys: DeployRecord[],
  now: Date,
  lookbackMs: number,
  thresholds: TriageThresholds = DEFAULT_THRESHOLDS,
  context: TriageContext = {},
): Assessment {
  const evidence = context.evidence ? { evidence: context.evidence } : {};
  if (context.evidence?.status === 'measured') {
    const graded = beyondMetrics(signal, tierFromEvidence(context.evidence, thresholds), thresholds);
    const later = signal
      ? deploys.find((d) => Date.parse(d.deployedAt) > Date.parse(signal.startedAt))
      : undefined;
    const reasons = [...graded.reasons];
    if (signal?.status === 'resolved') reasons.push('the alert has already resolved');
    if (later && context.evidence.deploy?.version !== later.version)
      reasons.push(`${later.version} was deployed after the alert began, so it did not cause it`);
    return {
      tier: graded.tier,
      reasons,
      gradedBy: 'metrics',
      ...measuredCorrelation(context.evidence, deploys),
      ...evidence,
    };
  }
  const related = correlate(signal, deploys, now, lookbackMs, context.fromVersion);
  const { note, ...correlation } = related;
  const reasons: string[] = [];
  let tier: Tier;
  if (!signal) {
    tier = 'FAST';
    reasons.push('a responder asked for a rollback without an alert to grade it by; treated as FAST');
  } else if (signal.status === 'resolved') {
    tier = 'MONITOR';
    reasons.push('the alert has already resolved');
  } else {
    const grade = tierFromGrade(signal);
    tier = grade.tier;
    reasons.push(grade.reason);
    const text = `${signal.summary}\n${signal.description ?? ''}`;
    const measured = tierFromMeasures(text, thresholds);
    // A measured error rate says more about "5xx" than the word itself does.
    const words = thresholds.criticalWords.filter(
      (word) => word.pattern.test(text) && !(measured && word.label === '5xx errors'),
    );
    if (words.length > 0 && tier !== 'MONITOR') {
      tier = oneUp(tier);
      reasons.unshift(`the alert mentions ${words.map((word) => word.label).join(', ')}`);
    }
    if (measured && RANK[measured.tier] < RANK[tier]) {
      tier = measured.tier;
      reasons.unshift(measured.reason);
    } else if (measured) {
      reasons.push(measured.reason);
    }
  }
  if (note) reasons.push(note);
  return { tier, reasons, ...correlation, gradedBy: signal ? 'alert' : 'request', ...evidence };
}
