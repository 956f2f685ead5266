/**
 * The measured evidence of an incident, as stored on it: RED numbers now against the window before
 * the deploy, when the series left its baseline band, and which endpoints are hit. Plain data, so
 * it survives a restart and the card, the tier, the verify watch and the postmortem read the same.
 */

/** Error rate (percent), p99 latency (ms) and throughput (requests per second). */
export interface RedNumbers {
  errorRatePercent?: number;
  p99Ms?: number;
  throughputRps?: number;
}

export interface EndpointReading {
  endpoint: string;
  nowPercent: number;
  baselinePercent: number;
}

export interface BlastRadius {
  /** The label that names an endpoint (`route`). */
  label: string;
  /** Endpoints whose error rate left their baseline band, worst first. */
  affected: EndpointReading[];
  /** Endpoints that look like their baseline. */
  fine: string[];
}

export interface MeasuredEvidence {
  status: 'measured';
  /** When the numbers were read (ISO 8601). */
  readAt: string;
  /** The deploy the baseline is taken before; none when no deploy is in the window. */
  deploy?: { version: string; at: string };
  baselineWindow: { from: string; to: string };
  baseline: RedNumbers;
  current: RedNumbers;
  /** The first minute the error rate or p99 left the baseline's band and stayed out. */
  changePoint?: { at: string; metric: 'error rate' | 'p99' };
  blastRadius?: BlastRadius;
}

export type Evidence =
  | MeasuredEvidence
  | { status: 'unavailable'; readAt: string; reason: string }
  | { status: 'pending'; since: string };
