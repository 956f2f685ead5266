import { assessMetrics, type Point } from '../../../../src/domain/evidence/assess-metrics.js';
import type { MeasuredEvidence } from '../../../../src/domain/evidence/evidence.js';
import { blastRadiusText, evidenceSummary, tierFromEvidence } from '../../../../src/domain/evidence/grade.js';
import { DEFAULT_THRESHOLDS, triage } from '../../../../src/domain/assessment.js';
import { errorsOrZero } from '../../../../src/flows/evidence.js';
import type { Signal } from '../../../../src/domain/signal.js';

const MIN = 60_000;
const deployAt = Date.parse('2026-12-03T14:00:00Z');
const now = deployAt + 30 * MIN;
const baselineFrom = deployAt - 60 * MIN;

/** One point a minute from the baseline's start to now; `at(t)` gives each value. */
function series(value: (t: number) => number): Point[] {
  const points: Point[] = [];
  for (let t = baselineFrom; t <= now; t += MIN) points.push({ at: t, value: value(t) });
  return points;
}

const window = { baselineFrom, baselineTo: deployAt, now, deploy: { version: 'v2.4.0', at: deployAt } };
const spikeAt = deployAt + 15 * MIN;

function measured(spike: number, errors: number, p99: number) {
  const result = assessMetrics(
    {
      errorRatio: series((t) => (t >= spike ? errors : 0.001)),
      p99Seconds: series((t) => (t >= spike ? p99 : 0.2)),
      throughputRps: series(() => 60),
      byEndpoint: {
        label: 'route',
        series: [
          ['/api/checkout', 0.22],
          ['/api/orders', 0.18],
          ['/api/payments', 0.15],
          ['/api/search', 0.001],
          ['/api/catalog', 0.001],
          ['/api/auth', 0.001],
        ].map(([endpoint, high]) => ({
          endpoint: endpoint as string,
          errorRatio: series((t) => (t >= spike ? (high as number) : 0.001)),
        })),
      },
    },
    window,
  );
  if (!('status' in result)) throw new Error(result.unavailable);
  return result;
}

/** A firing PagerDuty alert for checkout/production that began at `at`. */
function alertAt(at: number, fields: Partial<Signal>): Signal {
  const started = new Date(at).toISOString();
  return {
    id: 's',
    source: 'pagerduty',
    service: 'checkout',
    environment: 'production',
    status: 'triggered',
    summary: 'an alert',
    startedAt: started,
    receivedAt: started,
    links: [],
    dedupeKeys: ['k'],
    alertCount: 1,
    rawExcerpt: '',
    ...fields,
  };
}

describe('evidence from the metrics', () => {
  it('reads the change point, the numbers and the blast radius into one line a responder can read', () => {
    const evidence = measured(spikeAt, 0.152, 0.45);
    expect(evidence.changePoint).toEqual({ at: '2026-12-03T14:15:00.000Z', metric: 'error rate' });
    expect(evidenceSummary(evidence)).toBe(
      'Errors 15.2% (baseline 0.1%) · p99 450 ms (200 ms) · began 14:15, 15 min after v2.4.0',
    );
    expect(blastRadiusText(evidence.blastRadius!)).toBe(
      '3 of 6 endpoints: /api/checkout 22%, /api/orders 18%, /api/payments 15%; fine: /api/auth, /api/catalog, /api/search',
    );
    expect(tierFromEvidence(evidence, DEFAULT_THRESHOLDS)).toEqual({
      tier: 'FAST',
      reasons: ['error rate 15.2% is above 10%'],
    });
  });

  it('puts a change point before the deploy when the spike began first, and says a rollback is unlikely to help', () => {
    const evidence = measured(deployAt - 10 * MIN, 0.3, 0.3);
    expect(evidence.changePoint?.at).toBe('2026-12-03T13:50:00.000Z');
    expect(evidenceSummary(evidence)).toContain('began 13:50, 10 min before v2.4.0');
    const assessment = triage(undefined, [], new Date(now), 7_200_000, DEFAULT_THRESHOLDS, { evidence });
    expect(assessment.gradedBy).toBe('metrics');
    expect(assessment.correlation).toBeUndefined();
    expect(assessment.advice).toMatch(
      /before v2\.4\.0 was deployed, so the deploy did not start it and a rollback is unlikely to help/,
    );
    expect(assessment.advice).toMatch(/still offered/);
  });

  it('grades the same numbers the same whatever opened the incident', () => {
    const evidence = measured(spikeAt, 0.62, 0.3);
    const signal = (source: 'pagerduty' | 'alertmanager') =>
      alertAt(spikeAt, { source, summary: 'checkout latency slightly up', urgency: 'low', severity: 'info' });
    const tiers = [undefined, signal('pagerduty'), signal('alertmanager')].map(
      (s) => triage(s, [], new Date(now), 7_200_000, DEFAULT_THRESHOLDS, { evidence }).tier,
    );
    expect(tiers).toEqual(['IMMEDIATE', 'IMMEDIATE', 'IMMEDIATE']);
  });

  it('grades p99 against its own baseline when errors are fine', () => {
    const evidence = measured(spikeAt, 0.001, 0.7);
    expect(tierFromEvidence(evidence, DEFAULT_THRESHOLDS)).toEqual({
      tier: 'FAST',
      reasons: ['p99 700 ms is 3.5× the baseline 200 ms (at least 3×)'],
    });
    expect(evidence.changePoint?.metric).toBe('p99');
  });

  it('finds no change point in steady metrics, and a blip that is over is not one', () => {
    const steady = measured(now + MIN, 0.5, 0.5);
    expect(steady.changePoint).toBeUndefined();
    expect(evidenceSummary(steady)).toBe(
      'Errors 0.1% (baseline 0.1%) · p99 200 ms (200 ms) · no change from the baseline',
    );
    const blip = assessMetrics(
      {
        errorRatio: series((t) => (t >= spikeAt && t < spikeAt + 5 * MIN ? 0.4 : 0.001)),
        p99Seconds: series(() => 0.2),
        throughputRps: [],
      },
      window,
    ) as MeasuredEvidence;
    expect(blip.changePoint).toBeUndefined();
  });

  it('still grades harm the numbers cannot show: data corruption is IMMEDIATE, a failed deploy at least PLANNED', () => {
    const calm = measured(now + MIN, 0.5, 0.5);
    const alert = alertAt(now - 5 * MIN, { summary: 'Data corruption: orders double-charged' });
    const corrupt = triage(alert, [], new Date(now), 7_200_000, DEFAULT_THRESHOLDS, { evidence: calm });
    expect(corrupt.tier).toBe('IMMEDIATE');
    expect(corrupt.reasons[0]).toBe('the alert reports data corruption, which the metrics cannot show');
    const deploy = {
      ...alert,
      source: 'deploy' as const,
      summary: 'Deploy of v2.4.0 failed its health check (DEPLOYMENT_FAILED)',
    };
    expect(triage(deploy, [], new Date(now), 7_200_000, DEFAULT_THRESHOLDS, { evidence: calm }).tier).toBe(
      'PLANNED',
    );
    expect(triage(undefined, [], new Date(now), 7_200_000, DEFAULT_THRESHOLDS, { evidence: calm }).tier).toBe(
      'MONITOR',
    );
  });

  it('reads no 5xx series while requests flow as 0%, and no traffic as no data', () => {
    const traffic = [
      { at: 1, value: 40 },
      { at: 2, value: 0 },
    ];
    expect(errorsOrZero([], traffic)).toEqual([{ at: 1, value: 0 }]);
    expect(errorsOrZero([], [])).toEqual([]);
    expect(errorsOrZero([{ at: 1, value: 0.2 }], traffic)).toEqual([{ at: 1, value: 0.2 }]);
  });

  it('has no evidence without data, rather than a made-up number', () => {
    expect(assessMetrics({ errorRatio: [], p99Seconds: [], throughputRps: [] }, window)).toEqual({
      unavailable: 'no error-rate or latency data for the last 5 minutes',
    });
  });
});
