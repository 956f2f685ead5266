/**
 * Incident chart render time: a realistic chart (75 minutes of 1-minute error-rate and p99 points,
 * a baseline, 4 markers) through the whole pipeline (Vega-Lite compile → Vega SVG → resvg PNG).
 * The first, cold render (font files read, Vega's code warmed up) is reported on its own.
 *
 *   npm run bench -- bench/chart-render.ts [rounds]
 */
import { renderIncidentChart } from '../src/adapters/outbound/render/incident-chart.js';
import type { IncidentChartModel } from '../src/adapters/outbound/render/incident-chart.js';

const ROUNDS = Number(process.argv[2] ?? 20);
const MINUTE = 60_000;
const START = Date.UTC(2026, 2, 14, 13, 0);

/** Healthy, a bad deploy at +18 min (noisy errors and latency), rolled back at +41, recovered at +48. */
function incident(): IncidentChartModel {
  const noise = (i: number) => Math.sin(i * 12.9898) * 0.5 + 0.5; // deterministic, 0..1
  const minutes = Array.from({ length: 75 }, (_, i) => i);
  const bad = (i: number) => i >= 19 && i < 48;
  return {
    title: 'checkout/production — error rate and p99',
    errorRatePercent: minutes.map((i) => ({
      at: START + i * MINUTE,
      value: bad(i) ? 4 + noise(i) * 4 : 0.3 + noise(i) * 0.4,
    })),
    p99Ms: minutes.map((i) => ({
      at: START + i * MINUTE,
      value: bad(i) ? 800 + noise(i + 100) * 400 : 220 + noise(i + 100) * 60,
    })),
    baseline: { errorRatePercent: 0.5, p99Ms: 250 },
    markers: [
      { at: START + 18 * MINUTE, label: 'deploy v2.4.0' },
      { at: START + 20 * MINUTE, label: 'change point' },
      { at: START + 41 * MINUTE, label: 'rollback' },
      { at: START + 48 * MINUTE, label: 'recovered' },
    ],
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const model = incident();
const c0 = performance.now();
const cold = await renderIncidentChart(model);
const coldMs = performance.now() - c0;

const times: number[] = [];
let last = cold;
for (let i = 0; i < ROUNDS; i++) {
  const t0 = performance.now();
  last = await renderIncidentChart(model);
  times.push(performance.now() - t0);
}

console.log(`incident chart, ${ROUNDS} renders after 1 cold render (${last.width}×${last.height} px PNG)`);
console.log(`cold render          ${coldMs.toFixed(1).padStart(7)} ms`);
console.log(`render time     p50  ${percentile(times, 50).toFixed(1).padStart(7)} ms`);
console.log(`render time     p99  ${percentile(times, 99).toFixed(1).padStart(7)} ms`);
console.log(`PNG size             ${(last.png.length / 1024).toFixed(1).padStart(7)} KB`);
